import { join } from 'node:path';
import { Pool } from 'pg';
import { graphql, probeAolApi } from '../aol-graphql';
import { aolEnv, migrateAol, startAolServer } from '../aol-process';
import { epochMs } from '../clock';
import { BenchContext, Measurement } from '../measurement';
import { benchPool, createDatabase } from '../postgres';
import { quantile } from '../statistics';

/**
 * W6: the operator's two read paths with BENCH_STATUS_ROWS (1,000,000) rows in aol_actions,
 * over HTTP against the built service (default configuration, tick running), sequential
 * requests after a warm-up. The status mix per 1,000 rows: 940 SUCCESS, 20 DLQ, 20 PENDING
 * (scheduled a day ahead, so the tick has nothing due), 10 RETRY (likewise), 9 CANCELLED,
 * 1 NEEDS_REVIEW; created over the last 30 days. VACUUM ANALYZE runs after the load, as
 * autovacuum would eventually (it is off on the reference server). The plans of the counting
 * and DLQ-page statements are kept with the results.
 */
const LOAD = `
  insert into aol_actions (idempotency_key, type, payload, status, attempts, run_after, last_error_code, last_error,
                           artifact_ref, artifact_sha256, created_at, updated_at, finished_at)
  select 'scale-' || i, 'POST_SOCIAL', jsonb_build_object('platform', 'mastodon', 'text', 'scheduled post ' || i),
         s.status,
         case s.status when 'SUCCESS' then 1 when 'DLQ' then 4 when 'RETRY' then 2 when 'NEEDS_REVIEW' then 1 else 0 end,
         case when s.status in ('PENDING', 'RETRY') then statement_timestamp() + interval '1 day' else t.created end,
         case when s.status in ('DLQ', 'RETRY') then 'ACTION_FAILED' end,
         case when s.status in ('DLQ', 'RETRY') then 'adapter exploded' end,
         case when s.status = 'SUCCESS' then 'social/action-' || i || '.json' end,
         case when s.status = 'SUCCESS' then md5(i::text) || md5(i::text) end,
         t.created, t.created,
         case when s.status in ('SUCCESS', 'DLQ', 'CANCELLED') then t.created + interval '2 seconds' end
  from generate_series(1, $1::int) as i
  cross join lateral (select case
      when i % 1000 < 940 then 'SUCCESS' when i % 1000 < 960 then 'DLQ' when i % 1000 < 980 then 'PENDING'
      when i % 1000 < 990 then 'RETRY' when i % 1000 < 999 then 'CANCELLED' else 'NEEDS_REVIEW' end as status) as s
  cross join lateral (select statement_timestamp() - interval '30 days' + (i::double precision / $1) * interval '30 days' as created) as t`;

const AUTONOMY_STATUS = `{
  autonomyStatus {
    lease { owner epoch expiresAt expiresInSeconds }
    flags { paused killed proofMode reason updatedBy updatedAt }
    lastTick { outcome attempted succeeded failed durationMs }
    queue { pending running retry dlq success cancelled needsReview }
    mode
    modeReason
  }
}`;

const WARMUP = 5;

async function sampleQuery(url: string, query: string, samples: number): Promise<number[]> {
  const timings: number[] = [];
  for (let index = 0; index < samples + WARMUP; index += 1) {
    const began = epochMs();
    await graphql(url, query);
    if (index >= WARMUP) timings.push(epochMs() - began);
  }
  return timings;
}

async function plan(pool: Pool, statement: string): Promise<string> {
  const rows = (await pool.query<{ 'QUERY PLAN': string }>(`explain (analyze, buffers) ${statement}`)).rows;
  return rows.map((row) => row['QUERY PLAN']).join('\n');
}

export async function statusAtScaleWorkload(ctx: BenchContext, repetition: number): Promise<Measurement[]> {
  const { settings } = ctx;
  const database = await createDatabase(settings.postgresAdminUrl, 'status_scale');
  const pool = benchPool(database.url, 1);
  const base = { workload: 'W6' as const, unit: 'ms', better: 'lower' as const, system: 'AOL', isAol: true, repetition };
  try {
    await migrateAol(database.url);
    const loadBegan = epochMs();
    await pool.query(LOAD, [settings.statusRows]);
    await pool.query('vacuum analyze aol_actions');
    ctx.log(`W6 rep ${repetition + 1}: ${settings.statusRows} rows loaded in ${((epochMs() - loadBegan) / 1000).toFixed(1)} s`);
    const server = await startAolServer(aolEnv(settings, database.url, join(settings.scratchDir, `status-${repetition}`), 'default'));
    try {
      const api = await probeAolApi(server.url);
      const results: Measurement[] = [];
      const machineBusyBefore = await ctx.quiet();
      const status = await sampleQuery(server.url, AUTONOMY_STATUS, settings.statusSamples);
      const statusDetails: Record<string, unknown> = {
        machineBusyBefore,
        samples: status.length,
        p99Ms: quantile(status, 0.99),
        maxMs: Math.max(...status),
        rows: settings.statusRows,
      };
      results.push({ ...base, metric: 'autonomyStatus p50', value: quantile(status, 0.5), details: statusDetails });
      ctx.log(`W6 rep ${repetition + 1} autonomyStatus: p50 ${quantile(status, 0.5).toFixed(2)} ms ${JSON.stringify(statusDetails)}`);

      if (api.actionsSelection) {
        const page = await sampleQuery(
          server.url,
          `{ actions(filter: { status: DLQ }, first: 20) ${api.actionsSelection} }`,
          settings.statusSamples,
        );
        const pageDetails = {
          samples: page.length,
          p99Ms: quantile(page, 0.99),
          maxMs: Math.max(...page),
          selection: api.actionsSelection,
        };
        results.push({ ...base, metric: 'actions(DLQ, first 20) p50', value: quantile(page, 0.5), details: pageDetails });
        ctx.log(`W6 rep ${repetition + 1} actions(DLQ, first 20): p50 ${quantile(page, 0.5).toFixed(2)} ms`);
      } else {
        const reason = api.hasActionsQuery ? 'an actions query without filter/first arguments' : 'no actions query';
        ctx.note(`W6: AOL has ${reason}, so the filtered actions page is "not available".`);
        results.push({ ...base, metric: 'actions(DLQ, first 20) p50', value: null, note: `not available (${reason})` });
      }
      if (repetition === 0) {
        statusDetails.planCountByStatus = await plan(pool, 'select status, count(*) as count from aol_actions group by status');
        statusDetails.planDlqPage = await plan(pool, `select * from aol_actions where status = 'DLQ' order by id desc limit 21`);
      }
      return results;
    } finally {
      await server.child.stop();
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    ctx.log(`W6 rep ${repetition + 1}: FAILED ${message}`);
    return [{ ...base, metric: 'autonomyStatus p50', value: null, note: `failed: ${message.split('\n')[0].slice(0, 200)}` }];
  } finally {
    await pool.end();
    await database.drop();
  }
}
