import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { AolConfig } from '../config/aol-config';
import { ArtifactStore } from './artifact-store';
// The module object itself (a namespace import would be a copy), so the spies below are what the store calls.
// eslint-disable-next-line @typescript-eslint/no-require-imports
import fsPromises = require('node:fs/promises');

describe('ArtifactStore', () => {
  let root: string;
  let store: ArtifactStore;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'aol-store-'));
    // A directory that does not exist yet: the store makes it.
    store = new ArtifactStore({ artifactDir: join(root, 'artifacts') } as AolConfig);
  });

  afterEach(() => rm(root, { recursive: true, force: true }));

  it('writes the JSON under its name with the SHA-256 of its bytes, replacing an older one, and leaves no temporary file', async () => {
    await store.writeJson('social/a.json', { version: 1 });
    const written = await store.writeJson('social/a.json', { version: 2 });
    const bytes = await readFile(join(root, 'artifacts', 'social', 'a.json'));
    expect(JSON.parse(bytes.toString('utf8'))).toEqual({ version: 2 });
    expect(written).toEqual({ artifactRef: 'social/a.json', artifactSha256: createHash('sha256').update(bytes).digest('hex') });
    expect(await readdir(join(root, 'artifacts', 'social'))).toEqual(['a.json']);
  });

  it('reads an artifact back: its first bytes, whether it was cut, and the SHA-256 of the whole file as it is now', async () => {
    const written = await store.writeJson('social/b.json', { text: 'x'.repeat(100) });
    const whole = await store.read(written.artifactRef, 1024);
    expect(whole).toMatchObject({ truncated: false, sha256: written.artifactSha256 });
    expect(JSON.parse(whole!.content)).toEqual({ text: 'x'.repeat(100) });
    const cut = await store.read(written.artifactRef, 10);
    expect(cut).toMatchObject({
      content: whole!.content.slice(0, 10),
      truncated: true,
      sizeBytes: whole!.sizeBytes,
      sha256: written.artifactSha256,
    });
    await fsPromises.writeFile(join(root, 'artifacts', 'social', 'b.json'), 'edited');
    expect((await store.read(written.artifactRef, 1024))?.sha256).not.toBe(written.artifactSha256);
    expect(await store.read('social/missing.json', 1024)).toBeNull();
    await expect(store.read('../outside.json', 1024)).rejects.toThrow(/outside the artifact directory/);
  });

  it('writes many at once into one directory', async () => {
    const written = await Promise.all(Array.from({ length: 50 }, (_, index) => store.writeJson(`social/${index}.json`, { index })));
    expect(new Set(written.map((artifact) => artifact.artifactRef)).size).toBe(50);
    expect((await readdir(join(root, 'artifacts', 'social'))).sort()).toEqual(
      written.map((artifact) => artifact.artifactRef.slice('social/'.length)).sort(),
    );
  });

  it('makes its directory again when it was removed between writes', async () => {
    await store.writeJson('social/a.json', { n: 1 });
    await rm(join(root, 'artifacts'), { recursive: true });
    await store.writeJson('social/b.json', { n: 2 });
    expect(JSON.parse(await readFile(join(root, 'artifacts', 'social', 'b.json'), 'utf8'))).toEqual({ n: 2 });
  });

  describe('durability', () => {
    /** What happened, in order: fsyncs (when each began and ended) and renames by path, and the store's answers. */
    type DiskEvent = { op: 'sync-start' | 'sync-end' | 'rename' | 'answered'; path: string; to?: string };
    let events: DiskEvent[];
    const realOpen = fsPromises.open;
    const realRename = fsPromises.rename;

    beforeEach(() => {
      events = [];
      // The real file system, with every fsync and rename the store makes written down.
      jest.spyOn(fsPromises, 'open').mockImplementation(async (path, flags, mode) => {
        const handle = await realOpen(path, flags, mode);
        const sync = handle.sync.bind(handle);
        handle.sync = async () => {
          events.push({ op: 'sync-start', path: String(path) });
          await sync();
          events.push({ op: 'sync-end', path: String(path) });
        };
        return handle;
      });
      jest.spyOn(fsPromises, 'rename').mockImplementation(async (from, to) => {
        await realRename(from, to);
        events.push({ op: 'rename', path: String(from), to: String(to) });
      });
    });

    afterEach(() => jest.restoreAllMocks());

    /** Writes, and notes when the store answered. */
    async function write(relativePath: string): Promise<void> {
      await store.writeJson(relativePath, { relativePath });
      events.push({ op: 'answered', path: relativePath });
    }

    /** Index of the first event from `from` on that matches; fails the test when there is none. */
    function at(predicate: (event: DiskEvent) => boolean, from = 0): number {
      const index = events.findIndex((event, position) => position >= from && predicate(event));
      if (index < 0) throw new Error(`no such disk event after #${from} in ${JSON.stringify(events)}`);
      return index;
    }

    /**
     * For one artifact: its bytes were flushed before the rename that gave it its name, and a
     * flush of its directory that began after that rename ended before the store answered.
     */
    function expectDurableBeforeAnswer(relativePath: string): void {
      const target = join(root, 'artifacts', relativePath);
      const renamed = at((event) => event.op === 'rename' && event.to === target);
      const temporary = events[renamed].path;
      expect(temporary.startsWith(`${target}.`)).toBe(true);
      expect(at((event) => event.op === 'sync-end' && event.path === temporary)).toBeLessThan(renamed);
      const directoryFlushStarted = at((event) => event.op === 'sync-start' && event.path === dirname(target), renamed);
      expect(directoryFlushStarted).toBeGreaterThan(renamed);
      const directoryFlushed = at((event) => event.op === 'sync-end' && event.path === dirname(target), directoryFlushStarted);
      const answered = at((event) => event.op === 'answered' && event.path === relativePath);
      expect(directoryFlushed).toBeGreaterThan(directoryFlushStarted);
      expect(answered).toBeGreaterThan(directoryFlushed);
    }

    it('answers only once the bytes, the name and the directories it made are flushed', async () => {
      await write('social/a.json');
      expectDurableBeforeAnswer('social/a.json');
      // artifacts/ and artifacts/social/ were made by this write: each is a new name in its parent.
      const renamed = at((event) => event.op === 'rename');
      expect(at((event) => event.op === 'sync-end' && event.path === root)).toBeLessThan(renamed);
      expect(at((event) => event.op === 'sync-end' && event.path === join(root, 'artifacts'))).toBeLessThan(renamed);
    });

    it('answers each of many concurrent writes only after a directory flush that began after its own rename', async () => {
      await write('social/first.json'); // the directories exist from here on
      const paths = Array.from({ length: 40 }, (_, index) => `social/${index}.json`);
      await Promise.all(paths.map(write));
      for (const path of paths) expectDurableBeforeAnswer(path);
      const directoryFlushes = events.filter(
        (event) => event.op === 'sync-start' && event.path === join(root, 'artifacts', 'social'),
      ).length;
      // Shared: fewer flushes of the directory than writes into it.
      expect(directoryFlushes).toBeLessThan(paths.length);
    });
  });
});
