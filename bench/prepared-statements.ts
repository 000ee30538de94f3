import { performance } from 'node:perf_hooks';
import { MikroORM } from '@mikro-orm/core';
import type { AbstractSqlConnection } from '@mikro-orm/knex';
import type { Client } from 'pg';
import { NOT_KILLED, switchboardSnapshot } from '../src/control/sql/switchboard';
import { buildMikroOrmOptions } from '../src/database/mikro-orm-options';
import { render, Sql } from '../src/database/sql';
import { POSTGRESQL_DIALECT as d } from '../src/database/sql-dialect';
import { acquireOrRenewLease } from '../src/lease/sql/acquire-or-renew-lease';
import { leaseFence } from '../src/lease/sql/lease-fence';
import { ExecutionMode } from '../src/actions/execution-mode';
import { ActionType } from '../src/actions/action-status';
import { insertActions } from '../src/queue/sql/insert-actions';
import { unapprovedStatus } from '../src/queue/sql/approval';
import { renewGateClaim } from '../src/orchestrator/sql/renew-gate-claim';
import { createDatabase } from './postgres';
import { readSettings } from './settings';
import { median } from './statistics';

/**
 * Whether AOL's named prepared statements still pay, run on a connection of MikroORM's pool as
 * the service runs them: each statement AOL sends most often (the idle tick's lease statement,
 * the tick's renewal + claim over an empty queue, a single enqueue's insert), BENCH_PREPARED_RUNS
 * times named (parsed and planned once per connection) and unnamed (parsed and planned every
 * time), in alternating rounds of 100, on a fresh database. Prints the median time per statement.
 *
 *   npm run bench:build && node dist-bench/bench/prepared-statements.js
 */
async function main(): Promise<void> {
  const settings = readSettings(process.env);
  const runs = Number(process.env.BENCH_PREPARED_RUNS ?? 3000);
  const database = await createDatabase(settings.postgresAdminUrl, 'prepared');
  const orm = await MikroORM.init(buildMikroOrmOptions({ driver: 'postgresql', url: database.url }));
  try {
    await orm.getMigrator().up();
    const knex = (orm.em.getConnection() as AbstractSqlConnection).getKnex();
    const connection = (await knex.client.acquireConnection()) as Client;
    let key = 0;
    const statements: Record<string, () => Sql> = {
      'lease statement of an idle tick': () =>
        acquireOrRenewLease(d, {
          owner: 'bench',
          heldEpoch: 1,
          ttlSeconds: 30,
          proofModeOnly: true,
          read: switchboardSnapshot(d),
          takeOverOnlyIf: NOT_KILLED,
        }),
      'renewal + gate + claim, empty queue': () =>
        renewGateClaim(d, {
          fence: leaseFence(d, 'bench', 1),
          limit: 1000,
          mode: ExecutionMode.PROOF,
          ttlSeconds: 30,
          expectedProofMode: true,
        }),
      'single enqueue insert': () =>
        insertActions(
          d,
          [
            {
              idempotencyKey: `k-${(key += 1)}`,
              type: ActionType.POST_SOCIAL,
              payload: { platform: 'x', text: 'hi' },
              priority: 0,
              runAfter: null,
              enqueuedBy: null,
            },
          ],
          unapprovedStatus('none', true),
        ),
    };
    await connection.query(`update aol_lease set owner = 'bench', epoch = 1, expires_at = now() + interval '1 hour'`);
    for (const [label, make] of Object.entries(statements)) {
      const times = { named: [] as number[], unnamed: [] as number[] };
      for (let round = 0; round < runs / 100; round += 1) {
        for (const way of round % 2 === 0 ? (['named', 'unnamed'] as const) : (['unnamed', 'named'] as const)) {
          for (let index = 0; index < 100; index += 1) {
            const { text, values } = render(make(), (n) => `$${n}`);
            const began = performance.now();
            await connection.query(way === 'named' ? { name: `bench_${label.length}`, text, values } : { text, values });
            times[way].push(performance.now() - began);
          }
        }
      }
      const named = median(times.named);
      const unnamed = median(times.unnamed);
      console.log(
        `${label}: named ${named.toFixed(3)} ms, unnamed ${unnamed.toFixed(3)} ms (median of ${times.named.length} each; named saves ${(((unnamed - named) / unnamed) * 100).toFixed(0)} %)`,
      );
    }
    await knex.client.releaseConnection(connection);
  } finally {
    await orm.close();
    await database.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
