import { Injectable } from '@nestjs/common';
import { AolConfig } from '../config/aol-config';
import { PlatformPacing, quietFor } from '../config/platform-pacing';
import { LedgerService } from '../ledger/ledger.service';
import type { ActionEntity } from '../queue/action.entity';
import type { Hold } from '../queue/sql/release-unstarted';

const DAY_MS = 86_400_000;

export enum PacingCode {
  QUIET_HOURS = 'QUIET_HOURS',
  PLATFORM_RATE_LIMIT = 'PLATFORM_RATE_LIMIT',
  DAILY_CAP_REACHED = 'DAILY_CAP_REACHED',
}

export interface PacedBatch {
  /** May start now, in claim order. */
  go: ActionEntity[];
  /** Go back unstarted, each group held until a later time. */
  held: Array<{ ids: number[]; hold: Hold }>;
}

/**
 * Platform pacing of a claimed REAL batch (AOL_RATE_LIMITS, AOL_QUIET_HOURS, AOL_DAILY_CAPS):
 * which actions may start now, and until when the others wait. The counts come from the
 * attempt log in the database (one statement per batch, only when a limit or cap applies),
 * so they hold whichever instance leads. Held actions go back unstarted: no attempt is spent.
 */
@Injectable()
export class PlatformPacer {
  private readonly pacing: PlatformPacing;
  /** How far back the counts look: the longest window, and at least a day for the caps. */
  private readonly lookbackMs: number;

  constructor(
    config: AolConfig,
    private readonly ledger: LedgerService,
  ) {
    this.pacing = config.pacing;
    const windows = Object.values(this.pacing.rateLimits).map((rate) => rate.windowSeconds * 1000);
    this.lookbackMs = Math.max(0, ...windows, Object.keys(this.pacing.dailyCaps).length > 0 ? DAY_MS : 0);
  }

  get active(): boolean {
    const { rateLimits, quietHours, dailyCaps } = this.pacing;
    return Object.keys(rateLimits).length + Object.keys(quietHours).length + Object.keys(dailyCaps).length > 0;
  }

  async divide(claimed: readonly ActionEntity[]): Promise<PacedBatch> {
    const byPlatform = new Map<string, ActionEntity[]>();
    for (const action of claimed) {
      const platform = platformOf(action);
      byPlatform.set(platform, [...(byPlatform.get(platform) ?? []), action]);
    }
    const counted = [...byPlatform.keys()].some(
      (platform) => this.pacing.rateLimits[platform] || this.pacing.dailyCaps[platform] !== undefined,
    );
    const attempts = counted ? await this.ledger.realAttemptsSince(this.lookbackMs) : [];
    const now = Date.now();
    const paced: PacedBatch = { go: [], held: [] };
    for (const [platform, actions] of byPlatform) {
      const times = attempts
        .filter((attempt) => attempt.platform === platform)
        .map((attempt) => attempt.startedAt.getTime())
        .sort((a, b) => a - b);
      const { allowed, hold } = this.allowance(platform, times, now);
      paced.go.push(...actions.slice(0, Math.max(0, allowed)));
      const rest = actions.slice(Math.max(0, allowed));
      if (rest.length > 0 && hold) paced.held.push({ ids: rest.map((action) => action.id), hold });
    }
    paced.go.sort((a, b) => claimed.indexOf(a) - claimed.indexOf(b));
    return paced;
  }

  /** How many of `platform`'s actions may start now, given the start times of its recent REAL attempts; and the hold of the rest. */
  private allowance(platform: string, times: readonly number[], now: number): { allowed: number; hold: Hold | null } {
    const quiet = this.pacing.quietHours[platform] ?? this.pacing.quietHours['*'];
    const quietMs = quiet ? quietFor(quiet, new Date(now)) : 0;
    if (quietMs > 0) {
      const until = new Date(now + quietMs);
      return {
        allowed: 0,
        hold: {
          runAfter: until,
          errorCode: PacingCode.QUIET_HOURS,
          error: `Quiet hours for ${platform} (${quiet.timeZone}): held until ${until.toISOString()}`,
        },
      };
    }
    let allowed = Number.POSITIVE_INFINITY;
    let hold: Hold | null = null;
    const rate = this.pacing.rateLimits[platform];
    if (rate) {
      const inWindow = times.filter((time) => time > now - rate.windowSeconds * 1000);
      const until = new Date((inWindow[Math.max(0, inWindow.length - rate.count)] ?? now) + rate.windowSeconds * 1000);
      allowed = rate.count - inWindow.length;
      hold = {
        runAfter: until,
        errorCode: PacingCode.PLATFORM_RATE_LIMIT,
        error: `At most ${rate.count} REAL posts to ${platform} per ${rate.windowSeconds}s (AOL_RATE_LIMITS): held until ${until.toISOString()}`,
      };
    }
    const cap = this.pacing.dailyCaps[platform];
    if (cap !== undefined) {
      const midnight = Math.floor(now / DAY_MS) * DAY_MS;
      const left = cap - times.filter((time) => time >= midnight).length;
      if (left < allowed) {
        const until = new Date(midnight + DAY_MS);
        allowed = left;
        hold = {
          runAfter: until,
          errorCode: PacingCode.DAILY_CAP_REACHED,
          error: `The daily cap of ${cap} REAL posts to ${platform} is reached (AOL_DAILY_CAPS): held until ${until.toISOString()}`,
        };
      }
    }
    return { allowed, hold };
  }
}

/** What pacing is keyed by: the payload's platform, else the action's type. */
function platformOf(action: ActionEntity): string {
  const platform = action.payload?.platform;
  return typeof platform === 'string' ? platform : action.type;
}
