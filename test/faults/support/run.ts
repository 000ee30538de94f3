import { PrivateCluster } from './private-postgres';
import { FAST, Scenario, Timing } from './scenario';

/** One private cluster per spec file: started before its scenarios, destroyed after. */
export function usePrivateCluster(): () => PrivateCluster {
  let cluster: PrivateCluster | undefined;
  beforeAll(async () => {
    cluster = await PrivateCluster.create();
  }, 60_000);
  afterAll(async () => {
    await cluster?.destroy();
  });
  return () => {
    if (!cluster) throw new Error('the private cluster did not start');
    return cluster;
  };
}

/**
 * Runs one scenario body; a harness error (a wait that timed out, a process that would not
 * start) is recorded as a violation too, so the invariants and the evidence are still
 * reported. Throws at the end with everything that went wrong.
 */
export async function runScenario(
  cluster: PrivateCluster,
  name: string,
  body: (scenario: Scenario) => Promise<void>,
  options: { timing?: Timing; env?: Record<string, string>; migrate?: boolean } = {},
): Promise<void> {
  const scenario = await Scenario.open(cluster, name, options.timing ?? FAST, options.env ?? {}, options.migrate ?? true);
  process.stdout.write(`[faults] ${name}: database ${scenario.database}, scratch ${scenario.dir}\n`);
  try {
    await body(scenario);
  } catch (error) {
    scenario.violate('scenario ran to the end', error instanceof Error ? (error.stack ?? error.message) : String(error));
  } finally {
    await scenario.close().catch(async (error: unknown) => {
      scenario.violate('scenario ran to the end', `closing failed: ${String(error)}`);
      await scenario.abort();
    });
  }
  process.stdout.write(
    `[faults] ${name}: ${scenario.violations.length === 0 ? 'PASS' : `FAIL (${scenario.violations.length})`} in ${Date.now() - scenario.t0} ms\n`,
  );
  scenario.report();
}
