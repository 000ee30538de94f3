import { execFile } from 'node:child_process';
import { chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { createDatabase, withClient } from '../../support/postgres-admin';
import { freePort } from '../../support/processes';

const run = promisify(execFile);
const BIN = process.env.AOL_FAULT_PG_BIN ?? '/usr/lib/postgresql/15/bin';

async function lookupIds(user: string): Promise<{ uid: number; gid: number }> {
  const uid = Number((await run('id', ['-u', user])).stdout.trim());
  const gid = Number((await run('id', ['-g', user])).stdout.trim());
  return { uid, gid };
}

/**
 * A PostgreSQL 15 cluster of the fault suite's own, in a temp directory, on a free loopback
 * port: the suite stops, crashes and restarts it, so it must never be the shared one. Run as
 * the `postgres` user when the suite runs as root (initdb refuses root).
 */
export class PrivateCluster {
  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly asUser: string | null,
  ) {}

  get dataDir(): string {
    return join(this.dir, 'data');
  }

  static async create(): Promise<PrivateCluster> {
    const asUser = process.getuid?.() === 0 ? 'postgres' : null;
    const dir = await mkdtemp(join(tmpdir(), 'aol-faults-pg-'));
    await chmod(dir, 0o700);
    if (asUser) {
      const { uid, gid } = await lookupIds(asUser);
      await chown(dir, uid, gid);
    }
    const cluster = new PrivateCluster(dir, await freePort(), asUser);
    await cluster.pg('initdb', ['-D', cluster.dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C']);
    await cluster.start();
    return cluster;
  }

  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  /** Starts the server and waits until it accepts connections. */
  async start(): Promise<void> {
    // fsync off: the suite crashes the server, never the machine, so the page cache survives
    // an immediate stop and recovery still has every committed row.
    const options = [
      `-p ${this.port}`,
      '-c listen_addresses=127.0.0.1',
      `-c unix_socket_directories=${this.dir}`,
      '-c fsync=off',
      '-c full_page_writes=off',
      '-c max_connections=200',
      '-c log_min_messages=fatal',
    ].join(' ');
    await this.pg('pg_ctl', ['-D', this.dataDir, '-l', join(this.dir, 'server.log'), '-w', '-t', '60', '-o', options, 'start']);
  }

  /** `fast`: sessions are told to end, as in a planned restart; `immediate`: a crash. */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    await this.pg('pg_ctl', ['-D', this.dataDir, '-w', '-t', '60', '-m', mode, 'stop']);
  }

  async withClient<T>(database: string, work: (client: Client) => Promise<T>): Promise<T> {
    return withClient(this.url(database), work);
  }

  /** A brand-new database, empty or a copy of `template`. */
  async createDatabase(name: string, template?: string): Promise<string> {
    return createDatabase(this.url(), name, template);
  }

  /** Ends every session on `database` except the caller's, as an operator or a failover would. */
  async terminateSessions(database: string, applicationFilter?: string): Promise<number> {
    return this.withClient('postgres', async (client) => {
      const result = await client.query(
        `select pg_terminate_backend(pid) as ok from pg_stat_activity
         where datname = $1 and pid <> pg_backend_pid() and ($2::text is null or application_name not like $2::text)`,
        [database, applicationFilter ?? null],
      );
      return result.rowCount ?? 0;
    });
  }

  async destroy(): Promise<void> {
    await this.stop('immediate').catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true });
  }

  private async pg(binary: string, args: string[]): Promise<string> {
    const command = join(BIN, binary);
    const { stdout } = this.asUser
      ? await run('runuser', ['-u', this.asUser, '--', command, ...args], { cwd: this.dir })
      : await run(command, args, { cwd: this.dir });
    return stdout;
  }
}
