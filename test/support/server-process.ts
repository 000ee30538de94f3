import { RunningProcess, startNode, waitFor } from './processes';

export interface ServerProcess extends RunningProcess {
  graphqlUrl: string;
}

/** Starts a built server on a free loopback port and waits until it says where it listens. */
export async function startServer(script: string, env: Record<string, string>, cwd: string, args: string[] = []): Promise<ServerProcess> {
  const server = startNode(script, args, { HOST: '127.0.0.1', PORT: '0', ...env }, cwd);
  let exited = false;
  void server.exited.then(() => (exited = true));
  const graphqlUrl = await waitFor(
    async () => {
      if (exited) throw new Error(`The server exited before listening:\n${server.output()}`);
      return /serving GraphQL at (http:\/\/[^\s"]+\/graphql)/.exec(server.output())?.[1];
    },
    30_000,
    'the server to listen',
  ).catch((error: Error) => {
    server.child.kill('SIGKILL');
    throw new Error(`${error.message}\n${server.output()}`);
  });
  return { ...server, graphqlUrl };
}

export async function stopServer(
  server: ServerProcess | undefined,
): Promise<{ code: number | null; signal: NodeJS.Signals | null } | undefined> {
  if (!server) return undefined;
  if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGTERM');
  return server.exited;
}
