import { raw, Sql, sql } from '../../database/sql';
import type { SqlDialect } from '../../database/sql-dialect';
import type { WebhookFormat } from '../../config/webhook-subscriptions';

const COLUMNS = raw('id, url, events, format, secret, created_by, created_at');

export interface NewWebhook {
  url: string;
  events: readonly string[];
  format: WebhookFormat;
  secret: string | null;
  createdBy: string;
}

export function insertWebhook(d: SqlDialect, webhook: NewWebhook): Sql {
  return sql`insert into aol_webhooks (url, events, format, secret, created_by, created_at)
    values (${webhook.url}, ${JSON.stringify(webhook.events)}, ${webhook.format}, ${webhook.secret}, ${webhook.createdBy}, ${d.now})
    returning ${COLUMNS}`;
}

export function deleteWebhook(id: number): Sql {
  // WITH first: MikroORM's SQLite driver runs a statement opening with DELETE without its rows.
  return sql`with doomed as (select id from aol_webhooks where id = ${id})
    delete from aol_webhooks where id in (select id from doomed) returning id`;
}

/** Every subscription made through the API: a handful, read whole and cached (see WebhooksService). */
export function selectWebhooks(): Sql {
  return sql`select ${COLUMNS} from aol_webhooks order by id`;
}
