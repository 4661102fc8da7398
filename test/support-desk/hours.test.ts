import { describe, expect, it } from '@jest/globals';
import { isOpenAt, parseWorkingHours } from '../../src/support/hours.js';
import { checkSettings, parseSetting } from '../../src/support/settings.js';

const at = (iso: string) => new Date(iso);

describe('working hours', () => {
  it('reads days and hours in the channel time zone', () => {
    const { hours } = parseWorkingHours(
      { workingHours: 'Mon-Fri 09:00-18:00', timeZone: 'Europe/Moscow' },
      'UTC',
    );
    expect(hours).toMatchObject({ days: [1, 2, 3, 4, 5], from: 540, to: 1080 });
    // Monday 2026-11-30: 06:00 UTC is 09:00 in Moscow (open); 15:00 UTC is 18:00 (closed).
    expect(isOpenAt(hours, at('2026-11-30T06:00:00Z'))).toBe(true);
    expect(isOpenAt(hours, at('2026-11-30T05:59:00Z'))).toBe(false);
    expect(isOpenAt(hours, at('2026-11-30T15:00:00Z'))).toBe(false);
    // Saturday.
    expect(isOpenAt(hours, at('2026-12-05T10:00:00Z'))).toBe(false);
  });

  it('takes lists, wrapping day ranges and overnight hours; unset is always open', () => {
    expect(parseWorkingHours({ workingHours: 'mon,wed,fri 10:00-16:00' }, 'UTC').hours?.days).toEqual([
      1, 3, 5,
    ]);
    expect(parseWorkingHours({ workingHours: 'Sat-Mon 10:00-16:00' }, 'UTC').hours?.days).toEqual([1, 6, 7]);
    const night = parseWorkingHours({ workingHours: 'daily 22:00-06:00' }, 'UTC').hours;
    expect(isOpenAt(night, at('2026-11-30T23:00:00Z'))).toBe(true);
    expect(isOpenAt(night, at('2026-12-01T05:00:00Z'))).toBe(true);
    expect(isOpenAt(night, at('2026-12-01T12:00:00Z'))).toBe(false);
    expect(isOpenAt(parseWorkingHours({}, 'UTC').hours, at('2026-12-05T03:00:00Z'))).toBe(true);
  });

  it('refuses what it cannot read with a sentence', () => {
    expect(parseWorkingHours({ workingHours: '9 to 5' }, 'UTC').problem).toBe(
      'workingHours: expected days and hours such as "Mon-Fri 09:00-18:00".',
    );
    expect(parseWorkingHours({ workingHours: 'Mon 25:00-26:00' }, 'UTC').problem).toMatch(/workingHours/);
    expect(parseWorkingHours({ timeZone: 'Mars/Base' }, 'UTC').problem).toBe(
      'timeZone: "Mars/Base" is not a time zone name such as Europe/Moscow.',
    );
  });
});

describe('channel settings', () => {
  it('parse key=value with numbers and flags; refuse nested values and bad names', () => {
    expect(parseSetting('forumChatId=-1001234567890')).toEqual(['forumChatId', -1001234567890]);
    expect(parseSetting('greeting=Hi = there')).toEqual(['greeting', 'Hi = there']);
    expect(parseSetting('flag=true')).toEqual(['flag', true]);
    expect(parseSetting('noequals')).toBeUndefined();
    expect(checkSettings({ a: { b: 1 } }, 'UTC')).toBe(
      'settings.a: expected a string, a number or true/false.',
    );
    expect(checkSettings({ 'bad key': 1 }, 'UTC')).toBe('settings: "bad key" is not a setting name.');
    expect(checkSettings([], 'UTC')).toBe('settings: expected a JSON object of names and values.');
    expect(checkSettings({ forumChatId: -1 }, 'UTC')).toBeUndefined();
  });
});
