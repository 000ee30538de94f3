import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { relative, resolve, isAbsolute } from 'node:path';
import type { AolConfig } from '../config/aol-config';
import type { SqlDatabase, SqlRow } from '../database/sql-database';
import {
  attemptFact,
  attemptRowOf,
  AuditKind,
  enqueuedAction,
  enqueueRowOf,
  entrySha256,
  factOfRow,
  GENESIS_SHA256,
  sha256Hex,
} from './audit-fact';
import { signatureProblem, toSignedHead } from './audit-signer';
import { canonicalJson } from './canonical-json';
import {
  ATTEMPT_BATCH_SHAPE,
  AuditEntry,
  BatchShape,
  ENQUEUE_BATCH_SHAPE,
  FactTable,
  firstUnchainedRow,
  readAuditHead,
  readAuditOutline,
  readFactRows,
} from './sql/read-entries';
import { readSignatures } from './sql/signatures';

/** The outcome of `audit verify`: intact, or the first entry that does not match and why. */
export interface AuditVerification {
  intact: boolean;
  /** Entries checked. */
  checked: number;
  /** The last entry checked, and its hash. */
  lastId: number;
  lastSha256: string;
  /** Signed heads checked against the chain; verified: their signatures too (a public key was configured). */
  signedHeads: { checked: number; verified: boolean };
  /**
   * The first entry (by id) that does not match, and what is wrong with it; for a fact row
   * without its entry, the entry after the last (where it would have had to be).
   */
  failure: { entryId: number; problem: string } | null;
}

const PAGE = 500;
/** Entries of the first pass's pages: ids and kinds only, but a checkpoint's content. */
const OUTLINE_PAGE = 5000;
/** Items of batch entries whose rows are read at once. */
const BATCH_ROWS = 2000;

/** The kinds of entry about one row: its table. */
const TABLE_OF: Partial<Record<string, FactTable>> = {
  [AuditKind.ATTEMPT]: 'aol_execution_logs',
  [AuditKind.CONTROL]: 'aol_control_events',
  [AuditKind.CONTROL_UPDATE]: 'aol_control_events',
  [AuditKind.ENQUEUE]: 'aol_actions',
};

/**
 * A kind of entry about many rows: where it lists them, their table, what a row states now as
 * an item records it, and whether each item names an artifact file to re-hash.
 */
interface BatchKind {
  shape: BatchShape;
  table: FactTable;
  itemOf: (d: SqlDatabase['dialect'], row: SqlRow) => Record<string, unknown>;
  artifacts: boolean;
}

const BATCH_KINDS: readonly BatchKind[] = [
  { shape: ENQUEUE_BATCH_SHAPE, table: 'aol_actions', itemOf: (d, row) => enqueuedAction(enqueueRowOf(d, row)), artifacts: false },
  {
    shape: ATTEMPT_BATCH_SHAPE,
    table: 'aol_execution_logs',
    itemOf: (d, row) => attemptFact(attemptRowOf(d, row)).content,
    artifacts: true,
  },
];

/**
 * Walks the chain from `fromId`: ids contiguous, each entry's hashes recomputed and linked to
 * the one before, its content equal to what its fact row says now, an attempt's artifact file
 * hashing as recorded, and the head row naming the last entry. A row deleted by retention is
 * accepted when a RETENTION checkpoint names its action; of a control event's entries, the
 * latest is compared with the row (a bulk change's details grow as its batches commit). Then
 * every fact row must have its entry, and every signed head (AOL_AUDIT_SIGNING_KEY) must name
 * an entry by its hash, its signature verifying with the configured public key.
 */
export async function verifyAuditChain(
  db: SqlDatabase,
  config: Pick<AolConfig, 'artifactDir' | 'auditPublicKey'>,
  fromId: number,
  entries: (afterId: number, limit: number) => Promise<AuditEntry[]>,
): Promise<AuditVerification> {
  const retained = new Set<number>();
  const latestOfEvent = new Map<number, number>();
  // One pass for what later entries say about earlier ones: checkpoints and superseded events.
  for (let after = 0; ;) {
    const page = await db.query<{ id: unknown; kind: string; subject_id: unknown; content: string | null }>(
      readAuditOutline(after, OUTLINE_PAGE),
    );
    if (page.length === 0) break;
    for (const entry of page) {
      if (entry.kind === AuditKind.RETENTION) {
        for (const id of (JSON.parse(entry.content!) as { removedActionIds: number[] }).removedActionIds) retained.add(id);
      }
      if (entry.kind === AuditKind.CONTROL || entry.kind === AuditKind.CONTROL_UPDATE)
        latestOfEvent.set(Number(entry.subject_id), Number(entry.id));
    }
    after = Number(page[page.length - 1].id);
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
    problems.push(...(await factProblems(db, config.artifactDir, page, retained, latestOfEvent)));
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
  const unchained = await unchainedRow(db);
  if (unchained) return failed(checked, lastId + 1, prevSha256, unchained);
  const signed = await signedHeadProblem(db, config, fromId, entries);
  if (signed.problem) return failed(checked, signed.problem.entryId, prevSha256, signed.problem.text);
  return { intact: true, checked, lastId, lastSha256: prevSha256, signedHeads: signed.heads, failure: null };
}

function failed(checked: number, entryId: number, lastSha256: string, problem: string): AuditVerification {
  return {
    intact: false,
    checked,
    lastId: entryId - 1,
    lastSha256,
    signedHeads: { checked: 0, verified: false },
    failure: { entryId, problem },
  };
}

/** The first row of a fact table that no entry records: inserted by hand, around the service and its chain. */
async function unchainedRow(db: SqlDatabase): Promise<string | null> {
  const tables: Array<[FactTable, AuditKind, BatchShape | null, string]> = [
    ['aol_execution_logs', AuditKind.ATTEMPT, ATTEMPT_BATCH_SHAPE, 'no entry of its attempt'],
    ['aol_control_events', AuditKind.CONTROL, null, 'no CONTROL entry'],
    ['aol_actions', AuditKind.ENQUEUE, ENQUEUE_BATCH_SHAPE, 'no entry of its enqueue'],
  ];
  for (const [table, single, batch, missing] of tables) {
    const [row] = await db.query<{ id: unknown }>(firstUnchainedRow(db.dialect, table, single, batch));
    if (row.id !== null) return `row ${Number(row.id)} of ${table} has ${missing} in the chain (inserted outside it)`;
  }
  return null;
}

/** Each signed head from `fromId` on: its entry's hash, and its signature when a public key is configured. */
async function signedHeadProblem(
  db: SqlDatabase,
  config: Pick<AolConfig, 'auditPublicKey'>,
  fromId: number,
  entries: (afterId: number, limit: number) => Promise<AuditEntry[]>,
): Promise<{ heads: { checked: number; verified: boolean }; problem?: { entryId: number; text: string } }> {
  let checked = 0;
  for (let after = fromId - 1; ;) {
    const page = (await db.query(readSignatures(after, PAGE))).map((row) => toSignedHead(db.dialect, row));
    if (page.length === 0) break;
    for (const head of page) {
      const [entry] = await entries(head.entryId - 1, 1);
      const problem =
        entry?.id !== head.entryId || entry.entrySha256 !== head.headSha256
          ? `the head signed at entry ${head.entryId} (${head.headSha256}) is not in the chain`
          : config.auditPublicKey && signatureProblem(head, config.auditPublicKey);
      if (problem)
        return { heads: { checked, verified: false }, problem: { entryId: head.entryId, text: `signed head ${head.entryId}: ${problem}` } };
      checked += 1;
    }
    after = page[page.length - 1].entryId;
  }
  return { heads: { checked, verified: config.auditPublicKey !== null && checked > 0 } };
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
  for (const batch of BATCH_KINDS) {
    const entries = page.filter((entry) => entry.kind === batch.shape.kind);
    problems.push(...(await batchProblems(db, artifactDir, batch, entries, retained)));
  }
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
    const artifact = entry.kind === AuditKind.ATTEMPT && (await artifactProblem(artifactDir, now.content));
    if (artifact) problems.push({ entryId: entry.id, problem: `entry ${entry.id} (ATTEMPT): ${artifact}` });
  }
  return problems;
}

/** An attempt's artifact file, when it names one, against the SHA-256 recorded with it. */
async function artifactProblem(artifactDir: string, attempt: Record<string, unknown>): Promise<string | null> {
  const { artifactRef, artifactSha256 } = attempt as { artifactRef: string | null; artifactSha256: string | null };
  if (!artifactRef || !artifactSha256) return null;
  const actual = await fileSha256(artifactDir, artifactRef);
  if (actual === artifactSha256) return null;
  return `artifact ${artifactRef} ${actual === null ? 'is missing' : `hashes to ${actual}, not ${artifactSha256}`} (changed)`;
}

/** One row of a batch entry, as recorded: every item names its action. */
type BatchItem = Record<string, unknown> & { actionId: number };

/** Batch entries of one kind against their rows, read BATCH_ROWS items at a time. */
async function batchProblems(
  db: SqlDatabase,
  artifactDir: string,
  batch: BatchKind,
  batchEntries: readonly AuditEntry[],
  retained: ReadonlySet<number>,
): Promise<Array<{ entryId: number; problem: string }>> {
  const problems: Array<{ entryId: number; problem: string }> = [];
  let chunk: Array<{ entryId: number; items: BatchItem[] }> = [];
  let itemsInChunk = 0;
  const check = async () => {
    const ids = chunk.flatMap(({ items }) => items.map((item) => Number(item[batch.shape.id])));
    const found = ids.length === 0 ? [] : await db.query(readFactRows(db.dialect, batch.table, ids));
    const rows = new Map(found.map((row) => [Number(row.id), row]));
    for (const { entryId, items } of chunk) {
      const problem = await batchProblem(db.dialect, artifactDir, batch, entryId, items, rows, retained);
      if (problem) problems.push({ entryId, problem });
    }
    chunk = [];
    itemsInChunk = 0;
  };
  for (const entry of batchEntries) {
    const items = listedItems(entry.content, batch.shape);
    if (!items) {
      // Its hashes may have been recomputed over the edit: the content itself is then the evidence.
      problems.push({
        entryId: entry.id,
        problem: `entry ${entry.id} (${batch.shape.kind}): its content does not list rows by id (edited)`,
      });
      continue;
    }
    if (itemsInChunk + items.length > BATCH_ROWS) await check();
    chunk.push({ entryId: entry.id, items });
    itemsInChunk += items.length;
  }
  await check();
  return problems;
}

/** A batch entry's items, or null when its content is not a list of objects each naming a row by a positive integer id. */
function listedItems(content: string, shape: BatchShape): BatchItem[] | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(content);
  } catch {
    return null;
  }
  const items = (parsed as Record<string, unknown> | null)?.[shape.list];
  if (!Array.isArray(items)) return null;
  const named = items.every((item: unknown) => {
    const id = (item as Record<string, unknown> | null)?.[shape.id];
    return typeof item === 'object' && item !== null && Number.isSafeInteger(id) && (id as number) > 0;
  });
  return named ? (items as BatchItem[]) : null;
}

/**
 * The first item of a batch whose row is gone (and no checkpoint names its action) or no longer
 * reads as recorded, or (attempts) whose artifact file no longer hashes as recorded.
 */
async function batchProblem(
  d: SqlDatabase['dialect'],
  artifactDir: string,
  batch: BatchKind,
  entryId: number,
  items: readonly BatchItem[],
  rows: ReadonlyMap<number, SqlRow>,
  retained: ReadonlySet<number>,
): Promise<string | null> {
  const { kind, id } = batch.shape;
  for (const item of items) {
    const row = rows.get(Number(item[id]));
    if (!row) {
      if (retained.has(item.actionId)) continue;
      return `entry ${entryId} (${kind}): row ${Number(item[id])} of ${batch.table} is gone (deleted)`;
    }
    const now = batch.itemOf(d, row);
    const recorded = canonicalJson(item);
    if (canonicalJson(now) !== recorded)
      return `entry ${entryId} (${kind}): row ${Number(item[id])} of ${batch.table} no longer matches it (edited): ${difference(recorded, now)}`;
    const artifact = batch.artifacts && (await artifactProblem(artifactDir, now));
    if (artifact) return `entry ${entryId} (${kind}): ${artifact}`;
  }
  return null;
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
