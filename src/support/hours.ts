/**
 * A channel's working hours, from its settings: `workingHours` ("Mon-Fri 09:00-18:00",
 * "mon,wed,fri 10:00-16:00", "daily 00:00-24:00") read in `timeZone` (an IANA name). Unset: always open.
 */
export interface WorkingHours {
  timeZone: string;
  /** ISO weekdays, 1 = Monday … 7 = Sunday. */
  days: number[];
  /** Minutes after midnight. */
  from: number;
  to: number;
  /** As written, for the off-hours notice. */
  text: string;
}

const DAY_NAMES = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

function dayOf(word: string): number | undefined {
  const w = word.trim().toLowerCase();
  if (/^[1-7]$/.test(w)) return Number(w);
  const i = DAY_NAMES.indexOf(w.slice(0, 3));
  return i < 0 ? undefined : i + 1;
}

function minutesOf(hhmm: string): number | undefined {
  const m = /^(\d{1,2}):(\d{2})$/.exec(hhmm.trim());
  if (!m) return undefined;
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (h > 24 || min > 59 || (h === 24 && min > 0)) return undefined;
  return h * 60 + min;
}

function daysOf(spec: string): number[] | undefined {
  const s = spec.trim().toLowerCase();
  if (s === 'daily' || s === 'every day' || s === '*') return [1, 2, 3, 4, 5, 6, 7];
  const days = new Set<number>();
  for (const part of s.split(',')) {
    const [a, b] = part.split('-');
    const from = a === undefined ? undefined : dayOf(a);
    const to = b === undefined ? from : dayOf(b);
    if (from === undefined || to === undefined) return undefined;
    for (let d = from; ; d = (d % 7) + 1) {
      days.add(d);
      if (d === to) break;
    }
  }
  return [...days].sort();
}

export function isTimeZoneName(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Parses the settings; a sentence for a bad value (the CLI, the API and the panel show it). */
export function parseWorkingHours(
  settings: Record<string, unknown>,
  fallbackTimeZone: string,
): { hours?: WorkingHours; problem?: string } {
  const raw = settings.workingHours;
  const tz =
    typeof settings.timeZone === 'string' && settings.timeZone ? settings.timeZone : fallbackTimeZone;
  if (!isTimeZoneName(tz))
    return { problem: `timeZone: "${tz}" is not a time zone name such as Europe/Moscow.` };
  if (raw === undefined || raw === null || raw === '') return {};
  const text = String(raw).trim();
  const m = /^(.+?)\s+(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})$/.exec(text);
  const days = m ? daysOf(m[1]!) : undefined;
  const from = m ? minutesOf(m[2]!) : undefined;
  const to = m ? minutesOf(m[3]!) : undefined;
  if (!days || from === undefined || to === undefined || from === to)
    return { problem: 'workingHours: expected days and hours such as "Mon-Fri 09:00-18:00".' };
  return { hours: { timeZone: tz, days, from, to, text } };
}

/** Whether `at` falls inside the hours (an overnight range such as 22:00-06:00 belongs to its start day). */
export function isOpenAt(hours: WorkingHours | undefined, at: Date): boolean {
  if (!hours) return true;
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: hours.timeZone,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const day = dayOf(get('weekday'))!;
  const minutes = Number(get('hour')) * 60 + Number(get('minute'));
  if (hours.from < hours.to) return hours.days.includes(day) && minutes >= hours.from && minutes < hours.to;
  const yesterday = ((day + 5) % 7) + 1;
  return (
    (hours.days.includes(day) && minutes >= hours.from) ||
    (hours.days.includes(yesterday) && minutes < hours.to)
  );
}
