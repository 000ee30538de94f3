import { raw, Sql, sql } from '../../database/sql';
import type { SqlDialect } from '../../database/sql-dialect';
import { ORCHESTRATOR_LEASE } from './lease-fence';

const LEASE_FIELDS = ['owner', 'epoch', 'leader_proof_mode_only', 'acquired_at', 'renewed_at', 'expires_at'];

function remainingMs(d: SqlDialect): Sql {
  return sql`${d.epochMs(sql`expires_at`)} - ${d.epochMs(d.now)}`;
}

/** The lease row with the time it has left by the database's clock (`remaining_ms`), for the operator's view. */
export function readLease(d: SqlDialect): Sql {
  return sql`select ${raw(LEASE_FIELDS.join(', '))}, ${remainingMs(d)} as remaining_ms
    from aol_lease where name = ${ORCHESTRATOR_LEASE}`;
}

/** What readLease reads, as one scalar expression (a JSON object): a piece of autonomyStatus's statement. */
export function leaseSnapshot(d: SqlDialect): Sql {
  const fields = Object.fromEntries(LEASE_FIELDS.map((field) => [field, raw(field)]));
  return sql`(select ${d.jsonObject({ ...fields, remaining_ms: remainingMs(d) })} from aol_lease where name = ${ORCHESTRATOR_LEASE})`;
}
