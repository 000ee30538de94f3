import { Client } from 'pg';

/** Runs `work` on a connection of its own to `url`, closed afterwards. */
export async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** The URL of database `name` on the server `serverUrl` points at. */
export function databaseUrl(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

function checkedName(name: string): string {
  // Spliced into CREATE/DROP DATABASE (which bind no parameters): only [a-z0-9_] gets that far.
  if (!/^[a-z0-9_]{1,63}$/.test(name)) throw new Error(`Bad database name ${name}`);
  return name;
}

/**
 * A brand-new database `name` (empty, or a copy of `template`) on the server `serverUrl` points
 * at, for the tests, the fault suite and the benchmark alike; returns its URL.
 */
export async function createDatabase(serverUrl: string, name: string, template?: string): Promise<string> {
  const copy = template === undefined ? '' : ` template ${checkedName(template)}`;
  await withClient(serverUrl, (client) => client.query(`create database ${checkedName(name)}${copy}`));
  return databaseUrl(serverUrl, name);
}

/** Drops database `name`, ending its sessions first. */
export async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  await withClient(serverUrl, (client) => client.query(`drop database if exists ${checkedName(name)} with (force)`));
}
