import 'reflect-metadata';
import { Test } from '@nestjs/testing';
import { AppModule } from '../../src/app.module';
import { createHttpAdapter, prepareApp } from '../../src/app.setup';
import { createLogger } from '../../src/logging/logger-params';
import { loadConfig } from '../../src/config/aol-config';
import { ACTION_HANDLERS, ActionHandler, ActionResult, ActionRunContext } from '../../src/actions/action-handler';
import { SocialPostHandler } from '../../src/social/social-post.handler';
import { WebhookDeliveryHandler } from '../../src/webhooks/webhook-delivery.handler';
import type { ExecutionMode } from '../../src/actions/execution-mode';
import { enqueueOne, GraphqlTransport, httpTransport, webSocketTransport } from '../aol-graphql';
import { epochMs } from '../clock';
import { failSubject, JobStarts, onParentMessage, report, sampleLatency, subjectEnv } from '../subject-protocol';

/**
 * The real AOL (AppModule, migrations, GraphQL over HTTP, the tick on its interval), booted
 * in this process as test/support/test-app.ts does, with the POST_SOCIAL handler wrapped:
 * - drain-noop (W2): validates payloads as the real handler does, executes nothing and
 *   returns { artifactRef: null, artifactSha256: null }: what is left is orchestration.
 * - drain-proof: the real handler, only timed.
 * - latency (W4): the real handler, recording when each attempt starts; actions are enqueued
 *   by this same process, so both ends read one clock, over HTTP or, with
 *   BENCH_AOL_TRANSPORT=ws, over one graphql-ws connection.
 * Configuration comes from the same AOL_* variables as the service's.
 */
class ObservedHandler implements ActionHandler {
  readonly type;
  private started = 0;

  constructor(
    private readonly real: SocialPostHandler,
    private readonly mode: 'noop' | 'real',
    private readonly starts: JobStarts | null,
  ) {
    this.type = real.type;
  }

  parsePayload(payload: unknown): Record<string, unknown> {
    return this.real.parsePayload(payload);
  }

  isIdempotent(mode: ExecutionMode): boolean {
    return this.real.isIdempotent(mode);
  }

  async execute(context: ActionRunContext): Promise<ActionResult> {
    if (this.started === 0) report({ type: 'first', at: epochMs() });
    this.started += 1;
    const index = Number(context.action.idempotencyKey.slice('bench-'.length));
    this.starts?.started(index, epochMs());
    try {
      return this.mode === 'noop' ? { artifactRef: null, artifactSha256: null } : await this.real.execute(context);
    } finally {
      this.starts?.finished(index);
    }
  }

  get count(): number {
    return this.started;
  }
}

async function main(): Promise<void> {
  // The parent stops a subject with SIGTERM; exiting on it (rather than being killed) lets
  // node --cpu-prof write its profile (BENCH_PROFILE_DIR).
  process.once('SIGTERM', () => process.exit(0));
  const env = subjectEnv();
  const config = loadConfig(process.env);
  const starts = env.BENCH_SUBJECT_MODE === 'latency' ? new JobStarts() : null;
  let observed: ObservedHandler | null = null;
  const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(config)] })
    .overrideProvider(ACTION_HANDLERS)
    .useFactory({
      factory: (real: SocialPostHandler, webhook: WebhookDeliveryHandler) => {
        observed = new ObservedHandler(real, env.BENCH_SUBJECT_MODE === 'drain-noop' ? 'noop' : 'real', starts);
        return [observed, webhook];
      },
      inject: [SocialPostHandler, WebhookDeliveryHandler],
    })
    .compile();
  const app = moduleRef.createNestApplication(createHttpAdapter(config), { logger: createLogger(config) });
  await prepareApp(app, config);
  await app.listen(config.port, '127.0.0.1');
  const url = `http://127.0.0.1:${config.port}/graphql`;

  onParentMessage('stop', async () => {
    await app.close();
    report({ type: 'stopped', handled: (observed as ObservedHandler | null)?.count ?? 0, artifacts: [] });
  });
  report({ type: 'ready', url });

  if (starts) {
    const webSocket = process.env.BENCH_AOL_TRANSPORT === 'ws' ? webSocketTransport(url) : null;
    const send: GraphqlTransport = webSocket?.transport ?? httpTransport(url);
    const samplesMs = await sampleLatency(env, starts, async (index) => void (await enqueueOne(send, index)), epochMs);
    await webSocket?.close();
    report({ type: 'latency', samplesMs });
  }
}

main().catch(failSubject);
