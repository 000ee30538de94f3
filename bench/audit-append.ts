import 'reflect-metadata';
import { performance } from 'node:perf_hooks';
import { Test } from '@nestjs/testing';
import { AppModule } from '../src/app.module';
import { createHttpAdapter, prepareApp } from '../src/app.setup';
import { attemptBatchFacts } from '../src/audit/audit-fact';
import { AuditService } from '../src/audit/audit.service';
import { loadConfig } from '../src/config/aol-config';
import { SqlDatabase } from '../src/database/sql-database';
import { ActionType } from '../src/actions/action-status';
import { QueueService } from '../src/queue/queue.service';
import { createDatabase } from './postgres';
import { readSettings } from './settings';
import { median } from './statistics';

/**
 * What the audit chain's append costs on PostgreSQL, with the service booted in this process:
 * one enqueue (its action, its ENQUEUE_BATCH entry, the commit) and one transaction appending the
 * ATTEMPT_BATCH entries of 1,000 attempts, 10 of them (a grouped completion's chain work alone). BENCH_PROFILE_RUNS of each
 * (default 30) after 5 unrecorded ones; medians in milliseconds.
 *
 *   npm run build && npm run bench:build && node dist-bench/bench/audit-append.js
 */
async function main(): Promise<void> {
  const settings = readSettings(process.env);
  const runs = Number(process.env.BENCH_PROFILE_RUNS ?? 30);
  const database = await createDatabase(settings.postgresAdminUrl, 'audit_append');
  const config = loadConfig({
    NODE_ENV: 'test',
    AOL_LOG_LEVEL: 'error',
    AOL_TICK_ENABLED: '0',
    AOL_ARTIFACT_DIR: '/tmp/aol-audit-append',
    DATABASE_URL: database.url,
  });
  const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(config)] }).compile();
  const app = moduleRef.createNestApplication(createHttpAdapter(config));
  await prepareApp(app, config);
  await app.init();
  try {
    const queue = app.get(QueueService);
    const audit = app.get(AuditService);
    const db = app.get(SqlDatabase);
    const enqueue: number[] = [];
    const group: number[] = [];
    let logId = 0;
    for (let run = 0; run < runs + 5; run += 1) {
      let started = performance.now();
      await queue.enqueue({
        type: ActionType.POST_SOCIAL,
        idempotencyKey: `audit-append-${run}`,
        payload: { platform: 'mastodon', text: `audit append ${run}` },
      });
      enqueue.push(performance.now() - started);
      const facts = attemptBatchFacts(
        Array.from({ length: 1000 }, () => ({
          id: (logId += 1),
          actionId: logId,
          tickId: run,
          attempt: 1,
          mode: 'PROOF',
          outcome: 'SUCCESS',
          startedAt: new Date(),
          durationMs: 3,
          artifactRef: `proof/${logId}.json`,
          artifactSha256: 'a'.repeat(64),
        })),
      );
      started = performance.now();
      await db.transaction((tx) => audit.append(tx, facts, 1));
      group.push(performance.now() - started);
    }
    console.log(`audit append on PostgreSQL, medians of ${runs} after 5 (ms):`);
    console.log(`  one enqueue (with its entry)           ${median(enqueue.slice(5)).toFixed(2)}`);
    console.log(`  1,000 ATTEMPT entries in a transaction ${median(group.slice(5)).toFixed(2)}`);
  } finally {
    await app.close();
    await database.drop();
  }
}

void main();
