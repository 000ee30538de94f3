import { get as httpGet } from 'node:http';
import { createTestDatabase, DRIVERS, TestDatabase } from '../support/test-database';
import { startTestApp, TestApp } from '../support/test-app';

const OPERATOR_TOKEN = 'serving-operator-token-0123456789';

function get(aol: TestApp, path: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(new URL(path, aol.graphqlUrl), { headers });
}

/** A GET whose body is read to the end (an unread one holds its kept-alive socket open after the file's last test). */
async function getDrained(aol: TestApp, path: string): Promise<Response> {
  const response = await get(aol, path);
  await response.arrayBuffer();
  return response;
}

/** The status of a GET of `path` sent exactly as written (fetch would resolve the dots first). */
function rawStatus(aol: TestApp, path: string): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    httpGet({ host: '127.0.0.1', port: new URL(aol.graphqlUrl).port, path }, (response) => {
      response.resume();
      resolve(response.statusCode);
    }).on('error', reject);
  });
}

/** The local files an HTML page loads (scripts, stylesheets, icons). */
function assetPaths(html: string): string[] {
  return [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]);
}

describe.each(DRIVERS)('the console and IDE pages on %s', (driver) => {
  let db: TestDatabase;
  let open: TestApp;
  let locked: TestApp;
  let lockedDb: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase(driver);
    lockedDb = await createTestDatabase(driver);
    open = await startTestApp(db);
    // As in production: tokens, and the IDE off.
    locked = await startTestApp(lockedDb, { env: { AOL_API_TOKEN: OPERATOR_TOKEN, AOL_GRAPHIQL: '0', AOL_PLAYGROUND: '0' } });
  });

  afterAll(async () => {
    await open?.close();
    await locked?.close();
    await db?.drop();
    await lockedDb?.drop();
  });

  it('serves the console at / with a strict policy, never cached, loading only its own hashed assets', async () => {
    const response = await get(open, '/');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    const host = new URL(open.graphqlUrl).host;
    expect(response.headers.get('content-security-policy')).toContain(`connect-src 'self' ws://${host} wss://${host}`);
    expect(response.headers.get('content-security-policy')).not.toContain('unsafe');
    const html = await response.text();
    expect(html).not.toMatch(/<script>|<style>|https?:\/\//);
    const assets = assetPaths(html);
    expect(assets.length).toBeGreaterThanOrEqual(3);
    for (const path of assets) {
      expect(path).toMatch(/^\//);
      const asset = await getDrained(open, path);
      expect(asset.status).toBe(200);
      expect(asset.headers.get('cache-control')).toBe(path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
      const type = { js: 'application/javascript', css: 'text/css', svg: 'image/svg+xml' }[path.split('.').pop()!];
      expect(asset.headers.get('content-type')).toContain(type);
    }
  });

  it('serves only the files it was built with', async () => {
    for (const path of [
      '/graphiql.html',
      '/playground.html',
      '/assets/nope.js',
      '/package.json',
      '/../package.json',
      '/%2e%2e/package.json',
      '/assets/../../package.json',
    ]) {
      expect([path, await rawStatus(open, path)]).toEqual([path, 404]);
    }
  });

  it('serves GraphiQL from its own files at /graphql to browsers', async () => {
    const response = await get(open, '/graphql', { accept: 'text/html' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self';");
    const html = await response.text();
    expect(html).toContain('id="graphiql"');
    expect(html).not.toMatch(/https?:\/\//);
    for (const path of assetPaths(html)) expect((await getDrained(open, path)).status).toBe(200);
  });

  it('tells a browser how to turn GraphiQL on when it is off, and still answers POST there', async () => {
    const response = await get(locked, '/graphql', { accept: 'text/html' });
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('AOL_GRAPHIQL=1');
    expect(html).not.toContain('Cross-Site Request Forgery');
    expect((await locked.graphql('{ controlFlags { paused } }', undefined, { authorization: `Bearer ${OPERATOR_TOKEN}` })).data).toEqual({
      controlFlags: { paused: false },
    });
  });

  it('serves GraphQL Playground from its own files at /playground, with the IDE policy', async () => {
    const response = await get(open, '/playground');
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-cache');
    const policy = response.headers.get('content-security-policy');
    expect(policy).toContain("script-src 'self';");
    expect(policy).toContain("style-src 'self' 'unsafe-inline';");
    const html = await response.text();
    expect(html).toContain('id="playground"');
    expect(html).not.toMatch(/<script>|https?:\/\//);
    const assets = assetPaths(html);
    expect(assets).toContain('/playground/middleware.js');
    for (const path of assets) expect([path, (await getDrained(open, path)).status]).toEqual([path, 200]);
  });

  it('tells a browser how to turn Playground on when it is off (404)', async () => {
    const response = await get(locked, '/playground');
    expect(response.status).toBe(404);
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await response.text()).toContain('AOL_PLAYGROUND=1');
  });
});
