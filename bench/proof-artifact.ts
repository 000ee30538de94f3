import { createHash } from 'node:crypto';
import { mkdir, open, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { AolConfig } from '../src/config/aol-config';
import { ArtifactStore } from '../src/social/artifact-store';

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

const stores = new Map<string, ArtifactStore>();

/** The path and the record of a job's artifact, the same for every way of writing it. */
function proofRecord(job: ProofJob): { artifactRef: string; record: Record<string, unknown> } {
  const keyHash = createHash('sha256').update(job.idempotencyKey).digest('hex').slice(0, 12);
  return {
    artifactRef: `social/action-${job.id}-${keyHash}.json`,
    record: { actionId: job.id, type: 'POST_SOCIAL', idempotencyKey: job.idempotencyKey, post: job.post, mode: 'PROOF' },
  };
}

/**
 * The work AOL's PROOF handler does, byte for byte (src/social/social-post.handler.ts): the
 * same path shape, the same JSON record, written by AOL's own ArtifactStore (a temporary file
 * flushed with fsync and renamed over the target) with the SHA-256 of the exact bytes. The
 * peers and the baseline run this, so every system does the same I/O.
 */
export async function writeProofArtifact(root: string, job: ProofJob): Promise<WrittenArtifact> {
  const { artifactRef, record } = proofRecord(job);
  let store = stores.get(root);
  if (!store) {
    store = new ArtifactStore({ artifactDir: root } as AolConfig);
    stores.set(root, store);
  }
  const written = await store.writeJson(artifactRef, record);
  return { artifactRef: written.artifactRef, artifactSha256: written.artifactSha256 };
}

/**
 * The same bytes at the same path, as a plain handler writes them: the file itself written and
 * fsynced, with no temporary file, no rename and no fsync of its directory (so its name is not
 * yet durable when the job is marked done). The handler of W1's "file fsync only" variant.
 */
export async function writeProofFileOnly(root: string, job: ProofJob): Promise<WrittenArtifact> {
  const { artifactRef, record } = proofRecord(job);
  const bytes = Buffer.from(`${JSON.stringify(record, null, 2)}\n`, 'utf8');
  const target = join(root, artifactRef);
  await mkdir(dirname(target), { recursive: true });
  const file = await open(target, 'w');
  try {
    await file.writeFile(bytes);
    await file.sync();
  } finally {
    await file.close();
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
        const sha = createHash('sha256')
          .update(await readFile(join(root, next.artifactRef)))
          .digest('hex');
        if (sha !== next.artifactSha256) bad += 1;
      } catch {
        bad += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, reader));
  return bad;
}
