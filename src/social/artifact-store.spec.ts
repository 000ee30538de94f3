import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AolConfig } from '../config/aol-config';
import { ArtifactStore } from './artifact-store';

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

  it('writes many at once into one directory', async () => {
    const written = await Promise.all(Array.from({ length: 50 }, (_, index) => store.writeJson(`social/${index}.json`, { index })));
    expect(new Set(written.map((artifact) => artifact.artifactRef)).size).toBe(50);
    expect((await readdir(join(root, 'artifacts', 'social'))).sort()).toEqual(written.map((artifact) => artifact.artifactRef.slice('social/'.length)).sort());
  });

  it('makes its directory again when it was removed between writes', async () => {
    await store.writeJson('social/a.json', { n: 1 });
    await rm(join(root, 'artifacts'), { recursive: true });
    await store.writeJson('social/b.json', { n: 2 });
    expect(JSON.parse(await readFile(join(root, 'artifacts', 'social', 'b.json'), 'utf8'))).toEqual({ n: 2 });
  });
});
