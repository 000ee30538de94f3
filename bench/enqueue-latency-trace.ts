import 'reflect-metadata';
import { join } from 'node:path';
import { Test } from '@nestjs/testing';
import type { FastifyInstance } from 'fastify';
import { Client } from 'pg';
import { AppModule } from '../src/app.module';
import { createHttpAdapter, prepareApp } from '../src/app.setup';
import { ACTION_HANDLERS, ActionHandler, ActionResult, ActionRunContext } from '../src/actions/action-handler';
import type { ExecutionMode } from '../src/actions/execution-mode';
import { loadConfig } from '../src/config/aol-config';
import { AolTopic, EVENT_BUS, EventBus } from '../src/events/event-bus';
import { createLogger } from '../src/logging/logger-params';
import { QueueService } from '../src/queue/queue.service';
import { SocialPostHandler } from '../src/social/social-post.handler';
import { WebhookDeliveryHandler } from '../src/webhooks/webhook-delivery.handler';
import { enqueueOne, GraphqlTransport, httpTransport, webSocketTransport } from './aol-graphql';
import { aolEnv, migrateAol } from './aol-process';
import { freePort } from './child-process';
import { createDatabase } from './postgres';
import { readSettings } from './settings';
import { median } from './statistics';

/**
 * Where W4's enqueue → start time goes, on PostgreSQL: AOL booted in this process with W4's
 * lifted configuration, one enqueueAction at a time (over HTTP, or over graphql-ws with
 * BENCH_AOL_TRANSPORT=ws), and a mark at each step between the client's call and the handler's
 * start: over HTTP Fastify's stages (onRequest hooks run, preParsing, body parsed, route handler
 * called; Nest's middleware, pino-http among them, runs between the first two), the resolver
 * reached, every statement this process sends to PostgreSQL (sent and answered), the
 * ACTIONS_DUE event, the tick started. BENCH_LATENCY_SAMPLES (200) after
 * BENCH_LATENCY_WARMUP (500), a random 5–25 ms apart as in W4; medians in milliseconds from the
 * client's call, over the samples whose steps came in the commonest order. As in W4, the next
 * action is enqueued after the handler of the one before has returned (and the pause).
 *
 *   npm run build && npm run bench:build && NODE_ENV=production node dist-bench/bench/enqueue-latency-trace.js
 */
interface Mark {
  step: string;
  at: number;
}

let marks: Mark[] | null = null;
const mark = (step: string) => marks?.push({ step, at: performance.now() });

/** Every statement sent through node-postgres, marked when sent and when answered, by its first words. */
function traceStatements(): void {
  const query = Client.prototype.query as (...args: unknown[]) => unknown;
  Client.prototype.query = function (this: Client, ...args: unknown[]) {
    const config = args[0] as string | { text?: string };
    const text = (typeof config === 'string' ? config : (config?.text ?? '')).replace(/\s+/g, ' ').trim().slice(0, 48);
    mark(`sent: ${text}`);
    const result = query.apply(this, args);
    if (result instanceof Promise) void result.finally(() => mark(`answered: ${text}`)).catch(() => undefined);
    return result;
  } as typeof Client.prototype.query;
}

class MarkingHandler implements ActionHandler {
  readonly type;
  private readonly waiting = new Map<string, { started: () => void; finished: () => void }>();

  constructor(private readonly real: SocialPostHandler) {
    this.type = real.type;
  }

  parsePayload(payload: unknown): Record<string, unknown> {
    return this.real.parsePayload(payload);
  }

  isIdempotent(mode: ExecutionMode): boolean {
    return this.real.isIdempotent(mode);
  }

  /** Resolves when the action's handler starts, with a promise of its return. */
  watch(key: string): Promise<{ finished: Promise<void> }> {
    let finished!: () => void;
    const whenFinished = new Promise<void>((resolve) => (finished = resolve));
    return new Promise((resolve) => this.waiting.set(key, { started: () => resolve({ finished: whenFinished }), finished }));
  }

  async execute(context: ActionRunContext): Promise<ActionResult> {
    mark('handler started');
    const waiter = this.waiting.get(context.action.idempotencyKey);
    waiter?.started();
    try {
      return await this.real.execute(context);
    } finally {
      waiter?.finished();
    }
  }
}

async function main(): Promise<void> {
  // As the deployed service runs: graphql-js's development-only checks would be counted otherwise.
  if (process.env.NODE_ENV !== 'production') throw new Error('Run with NODE_ENV=production');
  const settings = readSettings(process.env);
  const samples = settings.latencySamples;
  const warmup = settings.latencyWarmup;
  const database = await createDatabase(settings.postgresAdminUrl, 'latency_trace');
  await migrateAol(database.url);
  const port = await freePort();
  const config = loadConfig({
    ...aolEnv(settings, database.url, join(settings.scratchDir, 'latency-trace'), 'lifted'),
    PORT: String(port),
  });
  traceStatements();
  let handler: MarkingHandler | null = null;
  const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(config)] })
    .overrideProvider(ACTION_HANDLERS)
    .useFactory({
      factory: (real: SocialPostHandler, webhook: WebhookDeliveryHandler) => [(handler = new MarkingHandler(real)), webhook],
      inject: [SocialPostHandler, WebhookDeliveryHandler],
    })
    .compile();
  const app = moduleRef.createNestApplication(createHttpAdapter(config), { logger: createLogger(config) });
  await prepareApp(app, config);
  const fastify = app.getHttpAdapter().getInstance() as FastifyInstance;
  fastify.addHook('onRequest', (_request, _reply, done) => (mark('HTTP: request read, onRequest hooks run'), done()));
  fastify.addHook('preParsing', (_request, _reply, payload, done) => (mark('HTTP: preParsing'), done(null, payload)));
  fastify.addHook('preValidation', (_request, _reply, done) => (mark('HTTP: body parsed'), done()));
  fastify.addHook('preHandler', (_request, _reply, done) => (mark('HTTP: route handler called'), done()));
  await app.listen(port, '127.0.0.1');
  const queue = app.get(QueueService);
  const enqueue = queue.enqueue.bind(queue);
  queue.enqueue = (request) => (mark('resolver reached'), enqueue(request));
  const events = app.get<EventBus>(EVENT_BUS);
  const publish = events.publish.bind(events);
  events.publish = (topic, payload) => {
    if (topic === AolTopic.ACTIONS_DUE) mark('ACTIONS_DUE published');
    return publish(topic, payload);
  };
  const url = `http://127.0.0.1:${port}/graphql`;
  const webSocket = process.env.BENCH_AOL_TRANSPORT === 'ws' ? webSocketTransport(url) : null;
  const send: GraphqlTransport = webSocket?.transport ?? httpTransport(url);
  const timelines: Mark[][] = [];
  try {
    for (let index = 1; index <= warmup + samples; index += 1) {
      const recording: Mark[] = [];
      marks = recording;
      const watch = (handler as MarkingHandler | null)!.watch(`bench-${index}`);
      mark('client call');
      await enqueueOne(send, index);
      const { finished } = await watch;
      marks = null;
      if (index > warmup) timelines.push(recording);
      await finished;
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20));
    }
  } finally {
    await webSocket?.close();
    await app.close();
    await database.drop();
  }
  // Up to the handler's start; the steps in the commonest order.
  const untilStart = timelines.map((timeline) => timeline.slice(0, timeline.findIndex((m) => m.step === 'handler started') + 1));
  const orders = new Map<string, Mark[][]>();
  for (const timeline of untilStart) {
    const order = timeline.map((m) => m.step).join('\n');
    orders.set(order, [...(orders.get(order) ?? []), timeline]);
  }
  const [order, common] = [...orders.entries()].sort((a, b) => b[1].length - a[1].length)[0];
  const transport = webSocket ? 'graphql-ws' : 'HTTP';
  console.log(
    `enqueueAction → handler start over ${transport}, ${common.length} of ${timelines.length} samples in this order, medians (ms from the call):`,
  );
  order.split('\n').forEach((step, position) => {
    const offsets = common.map((timeline) => timeline[position].at - timeline[0].at);
    const gaps = common.map((timeline) => (position === 0 ? 0 : timeline[position].at - timeline[position - 1].at));
    console.log(`  ${median(offsets).toFixed(3).padStart(7)}  (+${median(gaps).toFixed(3)})  ${step}`);
  });
  console.log(`  all samples: p50 ${median(untilStart.map((t) => t[t.length - 1].at - t[0].at)).toFixed(3)} ms`);
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
