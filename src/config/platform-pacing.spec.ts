import { quietFor } from './platform-pacing';

describe('quietFor', () => {
  const night = { startMinute: 22 * 60, endMinute: 7 * 60, timeZone: 'Europe/Paris' };

  it('says how long quiet hours across midnight last, in their time zone', () => {
    // 21:30 UTC is 22:30 in Paris in winter: quiet until 07:00 Paris, 06:00 UTC.
    expect(quietFor(night, new Date('2026-12-06T21:30:00Z'))).toBe(8.5 * 3600_000);
    expect(quietFor(night, new Date('2026-12-07T05:59:00Z'))).toBe(60_000);
  });

  it('is 0 outside them', () => {
    expect(quietFor(night, new Date('2026-12-06T20:59:00Z'))).toBe(0);
    expect(quietFor(night, new Date('2026-12-07T06:00:00Z'))).toBe(0);
    expect(quietFor({ startMinute: 90, endMinute: 120, timeZone: 'UTC' }, new Date('2026-12-07T02:00:00Z'))).toBe(0);
  });
});
