/**
 * How REAL posts are paced per platform (the payload's `platform`, or else the action's type):
 * at most `count` in any `windowSeconds` (AOL_RATE_LIMITS), none during quiet hours
 * (AOL_QUIET_HOURS), at most `dailyCap` per UTC day (AOL_DAILY_CAPS).
 */
export interface PlatformPacing {
  rateLimits: Readonly<Record<string, RateWindow>>;
  /** Quiet hours per platform; the key `*` holds for every platform. */
  quietHours: Readonly<Record<string, QuietHours>>;
  dailyCaps: Readonly<Record<string, number>>;
}

export interface RateWindow {
  count: number;
  windowSeconds: number;
}

export interface QuietHours {
  /** Minutes after local midnight: quiet from `startMinute` up to (not including) `endMinute`, across midnight when start > end. */
  startMinute: number;
  endMinute: number;
  timeZone: string;
}

export const NO_PACING: PlatformPacing = { rateLimits: {}, quietHours: {}, dailyCaps: {} };

const PLATFORM = /^[a-z0-9_-]{1,40}$/;
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** Reads the three variables; each problem names its variable. */
export function parsePacing(vars: {
  AOL_RATE_LIMITS?: string;
  AOL_QUIET_HOURS?: string;
  AOL_DAILY_CAPS?: string;
}): PlatformPacing | string[] {
  const problems: string[] = [];
  const rateLimits = entries(vars.AOL_RATE_LIMITS, 'AOL_RATE_LIMITS', 'mastodon=300/3h,x=50/24h', problems, (value) => {
    const match = /^(\d{1,9})\/(\d{1,6})([smhd])$/.exec(value);
    const count = match ? Number(match[1]) : 0;
    const windowSeconds = match ? Number(match[2]) * UNIT_SECONDS[match[3]] : 0;
    return count >= 1 && windowSeconds >= 1 && windowSeconds <= 7 * 86400 ? { count, windowSeconds } : null;
  });
  const dailyCaps = entries(vars.AOL_DAILY_CAPS, 'AOL_DAILY_CAPS', 'mastodon=100', problems, (value) =>
    /^\d{1,9}$/.test(value) ? Number(value) : null,
  );
  const quietHours: Record<string, QuietHours> = {};
  for (const item of split(vars.AOL_QUIET_HOURS)) {
    const [, platform = '*', start, end, timeZone] = /^(?:([a-z0-9_-]{1,40})=)?(\d\d:\d\d)-(\d\d:\d\d) (\S+)$/.exec(item) ?? [];
    const window = start && end && timeZone ? quietWindow(start, end, timeZone) : null;
    if (!window || platform in quietHours) {
      problems.push(
        `AOL_QUIET_HOURS: "${item}" is not [platform=]HH:MM-HH:MM Time/Zone (e.g. 22:00-07:00 Europe/Paris), with a known time zone, once per platform`,
      );
    } else quietHours[platform] = window;
  }
  return problems.length > 0 ? problems : { rateLimits, quietHours, dailyCaps };
}

function split(value: string | undefined): string[] {
  return value === undefined ? [] : value.split(',').map((item) => item.trim());
}

function entries<T>(
  value: string | undefined,
  name: string,
  example: string,
  problems: string[],
  parse: (value: string) => T | null,
): Record<string, T> {
  const result: Record<string, T> = {};
  for (const item of split(value)) {
    const [platform, setting, ...rest] = item.split('=');
    const parsed = setting === undefined || rest.length > 0 || !PLATFORM.test(platform) ? null : parse(setting);
    if (parsed === null || platform in result)
      problems.push(`${name}: "${item}" is not platform=value as in ${example}, once per platform`);
    else result[platform] = parsed;
  }
  return result;
}

function quietWindow(start: string, end: string, timeZone: string): QuietHours | null {
  const minute = (time: string) => {
    const [hours, minutes] = time.split(':').map(Number);
    return hours < 24 && minutes < 60 ? hours * 60 + minutes : null;
  };
  const startMinute = minute(start);
  const endMinute = minute(end);
  if (startMinute === null || endMinute === null || startMinute === endMinute) return null;
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone });
  } catch {
    return null;
  }
  return { startMinute, endMinute, timeZone };
}

/** Milliseconds until `hours` end, or 0 when `at` is outside them. */
export function quietFor(hours: QuietHours, at: Date): number {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: hours.timeZone,
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  })
    .formatToParts(at)
    .reduce<Record<string, number>>((all, part) => (part.type === 'literal' ? all : { ...all, [part.type]: Number(part.value) }), {});
  const now = parts.hour * 60 + parts.minute + parts.second / 60;
  const { startMinute: start, endMinute: end } = hours;
  const inside = start < end ? now >= start && now < end : now >= start || now < end;
  if (!inside) return 0;
  const minutesLeft = (end - now + 24 * 60) % (24 * 60);
  return Math.ceil(minutesLeft * 60_000);
}
