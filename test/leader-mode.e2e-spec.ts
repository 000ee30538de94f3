import { DRIVERS } from './support/test-database';
import { useTestDatabase } from './support/test-app';
import { BUILT_CLI, requireBuild, runNode, waitFor } from './support/processes';
import { launchServer, LaunchedServer } from './support/aol-server';
import { graphqlRequest } from './support/graphql-client';

const LEADER = 'real-leader';

interface StatusJson {
  mode: string;
  modeReason: string;
  leaderMode: string | null;
  leaderInstanceId: string | null;
  instanceId: string;
  leader: boolean;
}

describe.each(DRIVERS)('the mode as the leader sees it, on %s', (driver) => {
  const db = useTestDatabase(driver);
  let server: LaunchedServer | undefined;

  beforeAll(requireBuild);

  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  /** `aol status` from a process whose own environment forbids REAL (AOL_PROOF_MODE unset: 1). */
  async function cliStatus(): Promise<StatusJson> {
    const result = await runNode(BUILT_CLI, ['status'], { DATABASE_URL: db.url, AOL_ARTIFACT_DIR: `${db.dir}/artifacts` }, db.dir);
    expect(result.code).toBe(0);
    return JSON.parse(result.stdout) as StatusJson;
  }

  it("reports REAL beside a REAL leader, PROOF once the leader's switch is on, and the last leader's gate after it stops", async () => {
    server = await launchServer({
      env: {
        DATABASE_URL: db.url,
        AOL_INSTANCE_ID: LEADER,
        AOL_TICK_INTERVAL_MS: '100',
        AOL_ARTIFACT_DIR: `${db.dir}/artifacts`,
        AOL_PROOF_MODE: '0',
        // Nothing is enqueued, so nothing is posted: a closed port serves.
        AOL_MASTODON_BASE_URL: 'http://127.0.0.1:9',
        AOL_MASTODON_ACCESS_TOKEN: 'tok_unused-by-this-test',
      },
      cwd: db.dir,
    });
    const turnedOff = await graphqlRequest(server.graphqlUrl, 'mutation { setProofMode(enabled: false, reason: "go live") { proofMode } }');
    expect(turnedOff.data).toEqual({ setProofMode: { proofMode: false } });
    await waitFor(
      async () =>
        (await graphqlRequest(server!.graphqlUrl, '{ autonomyStatus { leader } }')).data?.autonomyStatus.leader ? true : undefined,
      10_000,
      'the server to lead',
    );

    const beside = await cliStatus();
    expect(beside).toEqual(
      expect.objectContaining({
        leaderInstanceId: LEADER,
        leader: false,
        mode: 'REAL',
        leaderMode: 'REAL',
      }),
    );
    expect(beside.instanceId).not.toBe(LEADER);
    const served = await graphqlRequest(server.graphqlUrl, '{ autonomyStatus { mode leaderMode leaderInstanceId leader } }');
    expect(served.data?.autonomyStatus).toEqual({ mode: 'REAL', leaderMode: 'REAL', leaderInstanceId: LEADER, leader: true });

    await graphqlRequest(server.graphqlUrl, 'mutation { setProofMode(enabled: true, reason: "hold on") { proofMode } }');
    expect(await cliStatus()).toEqual(expect.objectContaining({ mode: 'PROOF', leaderMode: 'PROOF' }));
    await graphqlRequest(server.graphqlUrl, 'mutation { setProofMode(enabled: false, reason: "live again") { proofMode } }');

    expect(await server.stop()).toEqual({ code: 0, signal: null });
    server = undefined;
    const after = await cliStatus();
    expect(after).toEqual(expect.objectContaining({ leaderInstanceId: null, leaderMode: null, mode: 'REAL' }));
  });
});
