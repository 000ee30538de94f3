import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { Injectable } from '@nestjs/common';
import { AolConfig } from '../config/aol-config';

export interface StoredArtifact {
  /** Path relative to the artifact directory, with forward slashes. */
  artifactRef: string;
  artifactSha256: string;
}

/** Writes audit artifacts (JSON) under AOL_ARTIFACT_DIR and fingerprints them. */
@Injectable()
export class ArtifactStore {
  private readonly root: string;

  constructor(config: AolConfig) {
    this.root = config.artifactDir;
  }

  /**
   * Writes `content` as JSON at `relativePath`, atomically: into a temporary file that is
   * flushed to disk and then renamed over the target, so a reader (or a crash) sees either
   * the old file or the whole new one. The SHA-256 is of the exact bytes written.
   */
  async writeJson(relativePath: string, content: unknown): Promise<StoredArtifact> {
    const target = this.resolveInside(relativePath);
    const bytes = Buffer.from(`${JSON.stringify(content, null, 2)}\n`, 'utf8');
    await mkdir(dirname(target), { recursive: true });
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
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    return {
      artifactRef: relative(this.root, target).split(sep).join('/'),
      artifactSha256: createHash('sha256').update(bytes).digest('hex'),
    };
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
