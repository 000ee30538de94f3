import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { relative, resolve, isAbsolute } from 'node:path';
import type { SqlDatabase, SqlRow } from '../database/sql-database';
import { AuditKind, entrySha256, factOfRow, GENESIS_SHA256, sha256Hex } from './audit-fact';
import type { AuditEntry } from './audit.service';
import { canonicalJson } from './canonical-json';
import { readAuditHead, readFactRows } from './sql/read-entries';

/** The outcome of `audit verify`: intact, or the first entry that does not match and why. */
export interface AuditVerification {
  intact: boolean;
  /** Entries checked. */
  checked: number;
  /** The last entry checked, and its hash. */
  lastId: number;
  lastSha256: string;
  /** The first entry (by id) that does not match, and what is wrong with it. */
  failure: { entryId: number; problem: string } | null;
}

const PAGE = 500;

type FactTable = 'aol_execution_logs' | 'aol_control_events' | 'aol_actions';
const TABLE_OF: Partial<Record<string, FactTable>> = {
  [AuditKind.ATTEMPT]: 'aol_execution_logs',
  [AuditKind.CONTROL]: 'aol_control_events',
  [AuditKind.CONTROL_UPDATE]: 'aol_control_events',
  [AuditKind.ENQUEUE]: 'aol_actions',
};

/**
 * Walks the chain from `fromId`: ids contiguous, each entry's hashes recomputed and linked to
 * the one before, its content equal to what its fact row says now, an attempt's artifact file
 * hashing as recorded, and the head row naming the last entry. A row deleted by retention is
 * accepted when a RETENTION checkpoint names its action; of a control event's entries, the
 * latest is compared with the row (a bulk change's details grow as its batches commit).
 */
export async function verifyAuditChain(
  db: SqlDatabase,
  artifactDir: string,
  fromId: number,
  entries: (afterId: number, limit: number) => Promise<AuditEntry[]>,
): Promise<AuditVerification> {
  const retained = new Set<number>();
  const latestOfEvent = new Map<number, number>();
  // One pass for what later entries say about earlier ones: checkpoints and superseded events.
  for (let after = 0; ;) {
    const page = await entries(after, PAGE * 4);
    if (page.length === 0) break;
    for (const entry of page) {
      if (entry.kind === AuditKind.RETENTION) {
        for (const id of (JSON.parse(entry.content) as { removedActionIds: number[] }).removedActionIds) retained.add(id);
      }
      if (entry.kind === AuditKind.CONTROL || entry.kind === AuditKind.CONTROL_UPDATE) latestOfEvent.set(entry.subjectId!, entry.id);
    }
    after = page[page.length - 1].id;
  }

  let prevSha256 = GENESIS_SHA256;
  if (fromId > 1) {
    const [before] = await entries(fromId - 2, 1);
    if (!before || before.id !== fromId - 1) return failed(0, fromId, '', `entry ${fromId - 1} (before --from) is missing`);
    prevSha256 = before.entrySha256;
  }
  let expectedId = fromId;
  let checked = 0;
  for (;;) {
    const page = await entries(expectedId - 1, PAGE);
    if (page.length === 0) break;
    const problems: Array<{ entryId: number; problem: string }> = [];
    for (const entry of page) {
      if (entry.id !== expectedId) {
        problems.push({ entryId: expectedId, problem: `entry ${expectedId} is missing (the next is ${entry.id})` });
        break;
      }
      const problem = linkProblem(entry, prevSha256);
      if (problem) {
        problems.push({ entryId: entry.id, problem });
        break;
      }
      prevSha256 = entry.entrySha256;
      expectedId += 1;
    }
    problems.push(...(await factProblems(db, artifactDir, page, retained, latestOfEvent)));
    if (problems.length > 0) {
      const first = problems.reduce((a, b) => (b.entryId < a.entryId ? b : a));
      return failed(checked, first.entryId, prevSha256, first.problem);
    }
    checked += page.length;
  }
  const [head] = await db.query<{ last_id: unknown; last_sha256: string }>(readAuditHead());
  const lastId = expectedId - 1;
  if (Number(head.last_id) !== lastId || (lastId >= fromId && head.last_sha256 !== prevSha256)) {
    return failed(
      checked,
      Number(head.last_id),
      prevSha256,
      `the head names entry ${String(head.last_id)} but the chain ends at entry ${lastId}`,
    );
  }
  return { intact: true, checked, lastId, lastSha256: prevSha256, failure: null };
}

function failed(checked: number, entryId: number, lastSha256: string, problem: string): AuditVerification {
  return { intact: false, checked, lastId: entryId - 1, lastSha256, failure: { entryId, problem } };
}

function linkProblem(entry: AuditEntry, prevSha256: string): string | null {
  if (entry.prevSha256 !== prevSha256)
    return `entry ${entry.id} does not follow entry ${entry.id - 1} (its previous hash differs: reordered or replaced)`;
  if (entry.contentSha256 !== sha256Hex(entry.content))
    return `entry ${entry.id}: its content does not hash to its content_sha256 (edited)`;
  if (entry.entrySha256 !== entrySha256(prevSha256, entry.content))
    return `entry ${entry.id}: its entry_sha256 is not SHA-256(previous ‖ content) (edited)`;
  return null;
}

/** Each entry's content against its fact row as it reads now, and attempts' artifact files. */
async function factProblems(
  db: SqlDatabase,
  artifactDir: string,
  page: readonly AuditEntry[],
  retained: ReadonlySet<number>,
  latestOfEvent: ReadonlyMap<number, number>,
): Promise<Array<{ entryId: number; problem: string }>> {
  const d = db.dialect;
  const rows = new Map<FactTable, Map<number, SqlRow>>();
  for (const table of new Set(Object.values(TABLE_OF))) {
    const ids = page.filter((entry) => TABLE_OF[entry.kind] === table && entry.subjectId !== null).map((entry) => entry.subjectId!);
    const found = ids.length === 0 ? [] : await db.query(readFactRows(d, table!, [...new Set(ids)]));
    rows.set(table!, new Map(found.map((row) => [Number(row.id), row])));
  }
  const problems: Array<{ entryId: number; problem: string }> = [];
  for (const entry of page) {
    const table = TABLE_OF[entry.kind];
    if (!table) continue;
    if (table === 'aol_control_events' && latestOfEvent.get(entry.subjectId!) !== entry.id) continue;
    const row = rows.get(table)!.get(entry.subjectId!);
    if (!row) {
      if (entry.actionId !== null && retained.has(entry.actionId) && table !== 'aol_control_events') continue;
      problems.push({
        entryId: entry.id,
        problem: `entry ${entry.id} (${entry.kind}): row ${entry.subjectId} of ${table} is gone (deleted)`,
      });
      continue;
    }
    const now = factOfRow(d, entry.kind, row);
    if (canonicalJson(now.content) !== entry.content) {
      problems.push({
        entryId: entry.id,
        problem: `entry ${entry.id} (${entry.kind}): row ${entry.subjectId} of ${table} no longer matches it (edited): ${difference(entry.content, now.content)}`,
      });
      continue;
    }
    if (entry.kind === AuditKind.ATTEMPT) {
      const { artifactRef, artifactSha256 } = now.content as { artifactRef: string | null; artifactSha256: string | null };
      if (artifactRef && artifactSha256) {
        const actual = await fileSha256(artifactDir, artifactRef);
        if (actual !== artifactSha256) {
          problems.push({
            entryId: entry.id,
            problem: `entry ${entry.id} (ATTEMPT): artifact ${artifactRef} ${actual === null ? 'is missing' : `hashes to ${actual}, not ${artifactSha256}`} (changed)`,
          });
        }
      }
    }
  }
  return problems;
}

/** The fields whose values differ, recorded → now, for the report. */
function difference(recorded: string, now: Record<string, unknown>): string {
  const before = JSON.parse(recorded) as Record<string, unknown>;
  return Object.keys({ ...before, ...now })
    .filter((key) => canonicalJson(before[key]) !== canonicalJson(now[key]))
    .map((key) => `${key}: ${canonicalJson(before[key])} → ${canonicalJson(now[key])}`)
    .join(', ');
}

/** SHA-256 of an artifact file under the artifact directory; null when it cannot be read. */
async function fileSha256(artifactDir: string, artifactRef: string): Promise<string | null> {
  const path = resolve(artifactDir, artifactRef);
  const inside = relative(artifactDir, path);
  if (inside.startsWith('..') || isAbsolute(inside)) return null;
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) hash.update(chunk);
  } catch {
    return null;
  }
  return hash.digest('hex');
}
