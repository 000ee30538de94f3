import { ServiceUnavailableException } from '@nestjs/common';
import { loadConfig } from '../config/aol-config';
import type { MigrationService } from '../database/migration.service';
import type { SqlDatabase } from '../database/sql-database';
import type { AolMetrics, TickActivity } from '../metrics/aol-metrics';
import type { ArtifactStore } from '../social/artifact-store';
import { HealthController } from './health.controller';

const NOW = 1_800_000_000_000;

function controller(options: { env?: Record<string, string>; pending?: string[]; activity: TickActivity }) {
  const migrations = { pendingMigrations: jest.fn(async () => options.pending ?? []) };
  const health = new HealthController(
    loadConfig({ AOL_TICK_INTERVAL_MS: '4000', ...options.env }),
    { query: async () => [] } as unknown as SqlDatabase,
    migrations as unknown as MigrationService,
    { assertWritable: async () => undefined } as unknown as ArtifactStore,
    { tickActivity: options.activity } as unknown as AolMetrics,
  );
  return { health, migrations };
}

async function readiness(health: HealthController): Promise<unknown> {
  return health.ready().catch((error: unknown) => (error instanceof ServiceUnavailableException ? error.getResponse() : error));
}

describe('GET /health/ready', () => {
  beforeEach(() => jest.spyOn(Date, 'now').mockReturnValue(NOW));
  afterEach(() => jest.restoreAllMocks());

  it('wants a tick within 3 intervals (here 12 s) where this instance ticks', async () => {
    const recent = controller({ activity: { runningSince: null, lastFinishedAt: NOW - 11_000 } });
    expect(await readiness(recent.health)).toMatchObject({ status: 'ok', checks: { tick: 'ok' } });
    const silent = controller({ activity: { runningSince: null, lastFinishedAt: NOW - 13_000 } });
    expect(await readiness(silent.health)).toMatchObject({ status: 'unavailable', reason: 'no tick for 13 s', checks: { database: 'ok' } });
  });

  it('lets a running tick take its budget (AOL_MAX_TICK_SECONDS + AOL_ACTION_TIMEOUT_SECONDS) on top', async () => {
    const busy = controller({ activity: { runningSince: NOW - 35_000, lastFinishedAt: NOW - 60_000 } });
    expect(await readiness(busy.health)).toMatchObject({ status: 'ok' });
    const stuck = controller({ activity: { runningSince: NOW - 45_000, lastFinishedAt: NOW - 60_000 } });
    expect(await readiness(stuck.health)).toMatchObject({
      status: 'unavailable',
      checks: { tick: expect.stringMatching(/past its budget/) },
    });
  });

  it('asks nothing of the tick where this instance does not tick, and at least 5 s where the interval is short', async () => {
    const idle = controller({ env: { AOL_TICK_ENABLED: '0' }, activity: { runningSince: null, lastFinishedAt: 0 } });
    expect(await readiness(idle.health)).toMatchObject({ status: 'ok' });
    const fast = controller({ env: { AOL_TICK_INTERVAL_MS: '100' }, activity: { runningSince: null, lastFinishedAt: NOW - 4_000 } });
    expect(await readiness(fast.health)).toMatchObject({ status: 'ok' });
  });

  it('is unavailable while migrations are pending, and stops asking once none is', async () => {
    const behind = controller({ pending: ['Migration20261201'], activity: { runningSince: null, lastFinishedAt: NOW } });
    expect(await readiness(behind.health)).toMatchObject({ status: 'unavailable', checks: { migrations: 'migrations are not applied' } });
    const current = controller({ activity: { runningSince: null, lastFinishedAt: NOW } });
    await readiness(current.health);
    await readiness(current.health);
    expect(current.migrations.pendingMigrations).toHaveBeenCalledTimes(1);
  });
});
