import { loadConfig } from '../config/aol-config';
import type { SqlDatabase } from '../database/sql-database';
import { SQLITE_DIALECT } from '../database/sql-dialect';
import { WebhooksService } from './webhooks.service';

/** The subscriptions' cache as the dispatcher reads it without waiting (knownUnwanted). */
describe('WebhooksService.knownUnwanted', () => {
  const storedRow = (events: string[]) => ({
    id: 1,
    url: 'https://hooks.example/one',
    events: JSON.stringify(events),
    format: 'standard',
    created_by: 'operator',
    created_at: 0,
    secret: null,
  });
  const serviceOver = (rows: Array<Record<string, unknown>>, env: Record<string, string> = {}) => {
    const query = jest.fn().mockResolvedValue(rows);
    const db = { query, dialect: SQLITE_DIALECT } as unknown as SqlDatabase;
    return { service: new WebhooksService(db, loadConfig({ NODE_ENV: 'test', ...env })), query };
  };

  it('knows nothing until the stored subscriptions were read, then answers from them until the cache ages', async () => {
    const { service } = serviceOver([storedRow(['action.dead_lettered'])]);
    expect(service.knownUnwanted('action.succeeded')).toBe(false);
    await service.subscribedTo('action.succeeded');
    expect(service.knownUnwanted('action.succeeded')).toBe(true);
    expect(service.knownUnwanted('action.dead_lettered')).toBe(false);

    const now = Date.now();
    const clock = jest.spyOn(Date, 'now').mockReturnValue(now + 5_001);
    expect(service.knownUnwanted('action.succeeded')).toBe(false);
    clock.mockRestore();
  });

  it('never passes over an event a configured (AOL_WEBHOOKS) subscription wants', async () => {
    const { service } = serviceOver([], {
      AOL_WEBHOOKS: JSON.stringify([{ name: 'ops', url: 'https://hooks.example/ops', events: ['action.succeeded'], format: 'slack' }]),
    });
    await service.subscribedTo('action.succeeded');
    expect(service.knownUnwanted('action.succeeded')).toBe(false);
    expect(service.knownUnwanted('action.needs_review')).toBe(true);
  });

  it('forgets what it knew when a subscription is deleted here, until it reads them again', async () => {
    const { service, query } = serviceOver([storedRow(['action.needs_review'])]);
    await service.list();
    expect(service.knownUnwanted('action.succeeded')).toBe(true);
    query.mockResolvedValueOnce([{ id: 1 }]);
    await service.delete('1');
    expect(service.knownUnwanted('action.succeeded')).toBe(false);
  });
});
