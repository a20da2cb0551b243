/**
 * EventBridge schedule expressions: `rate(5 minutes)` and `cron(min hour day-of-month month
 * day-of-week year)` (UTC), turned into "the next time after t".
 */

export class ScheduleExpressionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScheduleExpressionError';
  }
}

const UNIT_MS: Record<string, number> = {
  minute: 60_000,
  minutes: 60_000,
  hour: 3_600_000,
  hours: 3_600_000,
  day: 86_400_000,
  days: 86_400_000,
};

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

export interface Schedule {
  readonly expression: string;
  /** The first fire time strictly after `after` (epoch ms, UTC). */
  next(after: number): number;
}

/** The allowed values of one cron field (`*`, `?`, lists, ranges, steps, names). */
function field(text: string, min: number, max: number, names: string[] = [], offset = 0): Set<number> | null {
  if (text === '*' || text === '?') return null;
  const values = new Set<number>();
  const value = (s: string) => {
    const i = names.indexOf(s.toUpperCase());
    const n = i >= 0 ? i + offset : Number(s);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new ScheduleExpressionError(`cron value "${s}" is outside ${min}–${max}`);
    }
    return n;
  };
  for (const part of text.split(',')) {
    const [range, stepText] = part.split('/') as [string, string | undefined];
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1)
      throw new ScheduleExpressionError(`cron step "${part}" is invalid`);
    if (/[LW#]/.test(range)) {
      throw new ScheduleExpressionError(`cron "${part}": L, W and # are not supported by the local runtime`);
    }
    const [lo, hi] =
      range === '*'
        ? [min, max]
        : range.includes('-')
          ? (range.split('-').map(value) as [number, number])
          : [value(range), stepText === undefined ? value(range) : max];
    for (let v = lo; v <= hi; v += step) values.add(v);
  }
  return values;
}

function cron(expression: string, body: string): Schedule {
  const parts = body.trim().split(/\s+/);
  if (parts.length !== 6) {
    throw new ScheduleExpressionError(
      `${expression}: cron needs 6 fields (minute hour day month weekday year)`,
    );
  }
  const [mi, h, dom, mo, dow, y] = parts as [string, string, string, string, string, string];
  const minutes = field(mi, 0, 59);
  const hours = field(h, 0, 23);
  const daysOfMonth = field(dom, 1, 31);
  const months = field(mo, 1, 12, MONTHS, 1);
  const weekdays = field(dow, 1, 7, DAYS, 1); // EventBridge: 1 = Sunday
  const years = field(y, 1970, 2199);
  const ok = (set: Set<number> | null, v: number) => set === null || set.has(v);
  return {
    expression,
    next(after) {
      const d = new Date(Math.floor(after / 60_000) * 60_000 + 60_000);
      const limit = after + 5 * 366 * 86_400_000;
      while (d.getTime() <= limit) {
        if (!ok(years, d.getUTCFullYear())) {
          d.setUTCFullYear(d.getUTCFullYear() + 1, 0, 1);
          d.setUTCHours(0, 0, 0, 0);
        } else if (!ok(months, d.getUTCMonth() + 1)) {
          d.setUTCMonth(d.getUTCMonth() + 1, 1);
          d.setUTCHours(0, 0, 0, 0);
        } else if (!ok(daysOfMonth, d.getUTCDate()) || !ok(weekdays, d.getUTCDay() + 1)) {
          d.setUTCDate(d.getUTCDate() + 1);
          d.setUTCHours(0, 0, 0, 0);
        } else if (!ok(hours, d.getUTCHours())) {
          d.setUTCHours(d.getUTCHours() + 1, 0, 0, 0);
        } else if (!ok(minutes, d.getUTCMinutes())) {
          d.setUTCMinutes(d.getUTCMinutes() + 1, 0, 0);
        } else {
          return d.getTime();
        }
      }
      throw new ScheduleExpressionError(`${expression} never fires in the next five years`);
    },
  };
}

/** Parses `rate(…)` or `cron(…)`. Throws ScheduleExpressionError on anything else. */
export function parseSchedule(expression: string): Schedule {
  const rate = /^rate\(\s*(\d+)\s+([a-z]+)\s*\)$/.exec(expression);
  if (rate) {
    const n = Number(rate[1]);
    const unit = UNIT_MS[rate[2]!];
    if (unit === undefined || n < 1 || (n === 1) !== !rate[2]!.endsWith('s')) {
      throw new ScheduleExpressionError(
        `${expression}: expected rate(1 minute|hour|day) or rate(N minutes|hours|days)`,
      );
    }
    const period = n * unit;
    return { expression, next: (after) => after + period };
  }
  const c = /^cron\((.*)\)$/.exec(expression);
  if (c) return cron(expression, c[1]!);
  throw new ScheduleExpressionError(`${expression}: not a rate(…) or cron(…) expression`);
}
