import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** What every system's W1 handler is given: the same fields AOL's POST_SOCIAL handler sees. */
export interface ProofJob {
  id: number;
  idempotencyKey: string;
  post: { platform: string; text: string };
}

export interface WrittenArtifact {
  artifactRef: string;
  artifactSha256: string;
}

/**
 * The work AOL's PROOF handler does, byte for byte (src/social/social-post.handler.ts and
 * src/social/artifact-store.ts): the same path shape, the same pretty-printed JSON record,
 * a temporary file flushed with fsync and renamed over the target, and the SHA-256 of the
 * exact bytes. The peers and the baseline run this, so every system does the same I/O.
 */
export async function writeProofArtifact(root: string, job: ProofJob): Promise<WrittenArtifact> {
  const keyHash = createHash('sha256').update(job.idempotencyKey).digest('hex').slice(0, 12);
  const artifactRef = `social/action-${job.id}-${keyHash}.json`;
  const record = { actionId: job.id, type: 'POST_SOCIAL', idempotencyKey: job.idempotencyKey, post: job.post, mode: 'PROOF' };
  const bytes = Buffer.from(`${JSON.stringify(record, null, 2)}\n`, 'utf8');
  const target = join(root, artifactRef);
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
  return { artifactRef, artifactSha256: createHash('sha256').update(bytes).digest('hex') };
}

/**
 * Re-reads every artifact and compares its SHA-256 with the one the system recorded.
 * Returns how many are missing or differ (0 means the work was done and recorded right).
 */
export async function countBadArtifacts(root: string, recorded: ReadonlyArray<WrittenArtifact>): Promise<number> {
  let bad = 0;
  const queue = [...recorded];
  const reader = async () => {
    for (let next = queue.pop(); next; next = queue.pop()) {
      try {
        const sha = createHash('sha256').update(await readFile(join(root, next.artifactRef))).digest('hex');
        if (sha !== next.artifactSha256) bad += 1;
      } catch {
        bad += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, reader));
  return bad;
}
