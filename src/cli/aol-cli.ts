import { NestFactory } from '@nestjs/core';
import { AuditService } from '../audit/audit.service';
import { CoreModule } from '../core.module';
import type { AolConfig } from '../config/aol-config';
import { unknownVariableWarnings } from '../config/unknown-variables';
import { MigrationService } from '../database/migration.service';
import { prepareDatabase } from '../database/prepare-database';
import { SqlDatabase } from '../database/sql-database';
import { AolError, StartupError } from '../errors/aol-error';
import { createLogger } from '../logging/logger-params';
import { AutonomyStatusService } from '../orchestrator/autonomy-status.service';
import { TickReport, TickService } from '../orchestrator/tick.service';
import { ControlService } from '../control/control.service';
import { ControlFlagsModel } from '../control/models/control-flags.model';
import { ActionOperationsService } from '../orchestrator/action-operations.service';
import { AutonomyStatusModel } from '../orchestrator/models/autonomy-status.model';
import type { ActionEntity } from '../queue/action.entity';
import { ActionModel } from '../queue/models/action.model';
import { QueueService, ReviewOutcome } from '../queue/queue.service';
import { ActionVerb, CliCommand } from './cli-arguments';
import { CliOutput, EXIT_FAILED, EXIT_OK, EXIT_USAGE } from './cli-output';

/** Who the CLI's changes are recorded as. */
const CLI_ACTOR = 'cli';

/** `[AOL Tick 0] SUCCESS | Actions: 0 attempted, 0 succeeded | Duration: 0.03s` */
export function formatTickLine(index: number, report: TickReport): string {
  return `[AOL Tick ${index}] ${report.outcome} | Actions: ${report.attempted} attempted, ${report.succeeded} succeeded | Duration: ${(report.durationMs / 1000).toFixed(2)}s`;
}

/**
 * A command of the CLI (its arguments already checked, see run-cli.ts): the same Nest modules
 * as the service, without the HTTP server or the interval. Returns the exit code: 0 done,
 * 1 failed, 2 bad configuration.
 */
export async function runCommandLine(
  command: Exclude<CliCommand, { name: 'help' }>,
  config: AolConfig,
  env: NodeJS.ProcessEnv,
  io: CliOutput,
): Promise<number> {
  // Quieter than the service unless asked, and on stderr: stdout carries the command's answer.
  const logger = createLogger({ ...config, logLevel: config.logLevel === 'info' ? 'warn' : config.logLevel }, process.stderr);
  for (const warning of unknownVariableWarnings(env)) logger.warn(warning);
  const app = await NestFactory.createApplicationContext(CoreModule.forRoot(config), { logger });
  try {
    if (command.name === 'migrate') {
      await app.get(SqlDatabase).assertReachable();
      io.out(JSON.stringify({ applied: await app.get(MigrationService).migrateUp() }));
      return EXIT_OK;
    }
    await prepareDatabase(app, config);
    return await runCommand(app, command, io);
  } catch (error) {
    if (error instanceof AolError) {
      io.err(`error: ${error.code}: ${error.message}`);
      return EXIT_FAILED;
    }
    if (error instanceof StartupError) {
      io.err(error.message);
      return EXIT_USAGE;
    }
    io.err(`error: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT_FAILED;
  } finally {
    await app.close();
  }
}

type AppContext = Awaited<ReturnType<typeof NestFactory.createApplicationContext>>;

async function runCommand(app: AppContext, command: Exclude<CliCommand, { name: 'help' | 'migrate' }>, io: CliOutput): Promise<number> {
  switch (command.name) {
    case 'tick': {
      const ticks = app.get(TickService);
      for (let index = 0; index < command.count; index += 1) io.out(formatTickLine(index, await ticks.runTick()));
      return EXIT_OK;
    }
    case 'enqueue': {
      const { created, action } = await app.get(QueueService).enqueue({
        type: command.type,
        idempotencyKey: command.key,
        payload: command.payload,
        priority: command.priority,
        runAfter: command.runAfter,
        enqueuedBy: CLI_ACTOR,
      });
      return printed(io, { created, action: ActionModel.from(action) });
    }
    case 'action':
      return printed(io, ActionModel.from(await changeAction(app.get(ActionOperationsService), command.verb, command.id, command.reason)));
    case 'resolve': {
      const { id, outcome, remoteUrl, remoteId, reason } = command;
      const resolution = { outcome: ReviewOutcome[outcome], remoteUrl, remoteId };
      return printed(io, ActionModel.from(await app.get(ActionOperationsService).resolve(id, resolution, { reason, actor: CLI_ACTOR })));
    }
    case 'switch':
      return printed(io, ControlFlagsModel.from(await app.get(ControlService)[command.verb]({ reason: command.reason, actor: CLI_ACTOR })));
    case 'status':
      return printed(io, AutonomyStatusModel.from(await app.get(AutonomyStatusService).status()));
    case 'audit-verify': {
      const verification = await app.get(AuditService).verify(command.from);
      printed(io, verification);
      if (verification.failure) io.err(`audit chain broken at entry ${verification.failure.entryId}: ${verification.failure.problem}`);
      return verification.intact ? EXIT_OK : EXIT_FAILED;
    }
    case 'audit-export': {
      const audit = app.get(AuditService);
      for (let after = 0; ;) {
        const page = await audit.entries(after, 1000);
        if (page.length === 0) return EXIT_OK;
        for (const entry of page) io.out(JSON.stringify(entry));
        after = page[page.length - 1].id;
      }
    }
  }
}

function changeAction(operations: ActionOperationsService, verb: ActionVerb, id: number, reason: string): Promise<ActionEntity> {
  const change = { reason, actor: CLI_ACTOR };
  switch (verb) {
    case 'approve':
      return operations.approve(id, change);
    case 'reject':
      return operations.reject(id, change);
    case 'retry':
      return operations.retry(id, change);
    case 'cancel':
      return operations.cancel(id, change);
  }
}

/** Prints what the GraphQL API would answer (the same fields, times as ISO strings). */
function printed(io: CliOutput, value: unknown): number {
  io.out(JSON.stringify(value, null, 2));
  return EXIT_OK;
}
