import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { Injectable } from '@nestjs/common';
import { AolConfig } from '../config/aol-config';
import { SharedFlush } from './shared-flush';

async function fsyncDirectory(path: string): Promise<void> {
  const directory = await open(path, 'r');
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}

/** What an artifact holds now, as read back: its first bytes as text, and the SHA-256 of the whole file. */
export interface ArtifactReading {
  /** The first `maxBytes` bytes, as UTF-8 (a character cut at the end shows as U+FFFD). */
  content: string;
  truncated: boolean;
  sizeBytes: number;
  sha256: string;
}

export interface StoredArtifact {
  /** Path relative to the artifact directory, with forward slashes. */
  artifactRef: string;
  artifactSha256: string;
}

/** Writes audit artifacts (JSON) under AOL_ARTIFACT_DIR and fingerprints them. */
@Injectable()
export class ArtifactStore {
  private readonly root: string;
  private readonly directoryFlushes = new Map<string, SharedFlush>();

  constructor(config: AolConfig) {
    this.root = config.artifactDir;
  }

  /**
   * Writes `content` as JSON at `relativePath`, atomically and durably: into a temporary file
   * that is flushed to disk and then renamed over the target, so a reader (or a crash) sees
   * either the old file or the whole new one; then its directory is flushed too, so the new
   * name survives a power loss. When this resolves the artifact is on disk under its name, and
   * only then may its SUCCESS be committed. The SHA-256 is of the exact bytes written.
   */
  async writeJson(relativePath: string, content: unknown): Promise<StoredArtifact> {
    const target = this.resolveInside(relativePath);
    const bytes = Buffer.from(`${JSON.stringify(content, null, 2)}\n`, 'utf8');
    const created = await mkdir(dirname(target), { recursive: true });
    // A directory made just now is itself a new name in its parent (rare: the first write).
    for (let made = dirname(target); created !== undefined && made.length >= created.length; made = dirname(made)) {
      await this.flushDirectory(dirname(made));
    }
    const temporary = `${target}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      const file = await open(temporary, 'wx');
      try {
        await file.writeFile(bytes);
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(temporary, target);
      await this.flushDirectory(dirname(target));
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    return {
      artifactRef: relative(this.root, target).split(sep).join('/'),
      artifactSha256: createHash('sha256').update(bytes).digest('hex'),
    };
  }

  /**
   * Throws unless a file can be created in the directory (made if missing) and removed again:
   * the way an artifact is written, so what refuses one (permissions, a read-only or full
   * volume, a file in its place) refuses this too, for the root user as well.
   */
  async assertWritable(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    const probe = resolve(this.root, `.write-probe-${randomBytes(6).toString('hex')}`);
    try {
      await writeFile(probe, '', { flag: 'wx' });
    } finally {
      await rm(probe, { force: true });
    }
  }

  /**
   * Reads an artifact back: its first `maxBytes` bytes, and the SHA-256 of every byte (the
   * file is hashed as it streams, never held whole). Null when the file is gone.
   */
  async read(artifactRef: string, maxBytes: number): Promise<ArtifactReading | null> {
    const hash = createHash('sha256');
    const head: Buffer[] = [];
    let kept = 0;
    let sizeBytes = 0;
    try {
      for await (const chunk of createReadStream(this.resolveInside(artifactRef)) as AsyncIterable<Buffer>) {
        hash.update(chunk);
        sizeBytes += chunk.length;
        if (kept < maxBytes) {
          const piece = chunk.subarray(0, maxBytes - kept);
          head.push(piece);
          kept += piece.length;
        }
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    return { content: Buffer.concat(head).toString('utf8'), truncated: sizeBytes > kept, sizeBytes, sha256: hash.digest('hex') };
  }

  /** Concurrent writes into one directory share its fsyncs (a batch's artifacts mostly do). */
  private flushDirectory(path: string): Promise<void> {
    let flush = this.directoryFlushes.get(path);
    if (!flush) {
      flush = new SharedFlush(() => fsyncDirectory(path));
      this.directoryFlushes.set(path, flush);
    }
    return flush.request();
  }

  /** Deletes stored artifacts (retention); one already gone is not an error. */
  async remove(artifactRefs: readonly string[]): Promise<void> {
    for (const artifactRef of new Set(artifactRefs)) await rm(this.resolveInside(artifactRef), { force: true });
  }

  /** Absolute path of a stored artifact, refusing any reference that leaves the directory. */
  resolveInside(artifactRef: string): string {
    const target = resolve(this.root, artifactRef);
    const fromRoot = relative(this.root, target);
    if (fromRoot === '' || fromRoot.startsWith('..') || isAbsolute(fromRoot)) {
      throw new Error(`Artifact path ${JSON.stringify(artifactRef)} is outside the artifact directory`);
    }
    return target;
  }
}
