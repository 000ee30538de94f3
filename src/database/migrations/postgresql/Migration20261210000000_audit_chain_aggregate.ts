import { Migration } from '@mikro-orm/migrations';

/**
 * The audit chain's hash as an aggregate (PostgreSQL only: SQLite hashes in process). Used as a
 * window function over a statement's entries in order, it hashes each entry onto the one before
 * in one pass: `aol_audit_chain_sha256(seed, content) over (order by n)` is the entry's hash,
 * sha256(previous hash || content) in hex, `seed` (the head's hash) standing for the previous
 * hash of the first. A recursive CTE did the same but read the statement's whole list of
 * contents again at every step.
 */
export class Migration20261210000000_audit_chain_aggregate extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create function aol_audit_chain_step(previous text, seed text, content text) returns text
      language plpgsql immutable parallel safe as $$
      begin
        return encode(sha256(convert_to(coalesce(previous, seed) || content, 'UTF8')), 'hex');
      end $$;`);
    this.addSql(`create aggregate aol_audit_chain_sha256(text, text) (sfunc = aol_audit_chain_step, stype = text);`);
  }
}
