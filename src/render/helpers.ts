/**
 * Template helpers, registered on a dedicated Handlebars environment (never the global one).
 *
 * Dates: a FHIR date (`2026-11-24`) is a calendar day and is printed as that day everywhere; a dateTime
 * is an instant and is printed as the patient's local day (`@root.patient.timezone`). Words follow the
 * render's locale (`@locale`, set by render.ts from the template's and the patient's language).
 * An empty argument is passed through unprinted, so the render reports its path as missing.
 * Errors name the helper and what it expected, never the value it got.
 */
import Handlebars from 'handlebars';
import { dateTimeFormat, listFormat, relativeTimeFormat } from './intl-formats.ts';
import { absentFor, isAbsent, present } from './strict-view.ts';

export type TemplateEnvironment = typeof Handlebars;

type HelperOptions = Handlebars.HelperOptions;

class HelperError extends Error {
  override readonly name = 'HelperError';
}

const DATE_STYLES = {
  long: { dateStyle: 'long' },
  short: { dateStyle: 'medium' },
  weekday: { weekday: 'long', month: 'long', day: 'numeric' },
} satisfies Record<string, Intl.DateTimeFormatOptions>;

/** How "on <day>" reads per language; other languages get Intl.RelativeTimeFormat's "in 3 days". */
const ON_DAY: Record<string, (day: string) => string> = {
  en: (day) => `on ${day}`,
  es: (day) => `el ${day}`,
};

const MS_PER_DAY = 86_400_000;

/** A day to print: the UTC midnight of its calendar date, so formatting in UTC never shifts it. */
interface CalendarDay {
  utcMidnight: number;
}

function localeOf(options: HelperOptions): string {
  return (options.data?.locale as string | undefined) ?? 'en';
}

function timeZoneOf(options: HelperOptions): string {
  const root = options.data?.root as { patient?: { timezone?: unknown } } | undefined;
  const zone = present(root?.patient?.timezone);
  return typeof zone === 'string' ? zone : 'UTC';
}

function calendarDay(value: unknown, timeZone: string, helper: string): CalendarDay {
  if (typeof value === 'string') {
    const dateOnly = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
    if (dateOnly) return { utcMidnight: Date.UTC(Number(dateOnly[1]), Number(dateOnly[2]) - 1, Number(dateOnly[3])) };
    const instant = /T\d{2}:\d{2}.*(Z|[+-]\d{2}:\d{2})$/.test(value) ? Date.parse(value) : Number.NaN;
    if (!Number.isNaN(instant)) {
      const parts = dateTimeFormat('en', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric' }).formatToParts(instant);
      const part = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value);
      return { utcMidnight: Date.UTC(part('year'), part('month') - 1, part('day')) };
    }
  }
  throw new HelperError(`${helper} expects a date (YYYY-MM-DD) or a dateTime with an offset`);
}

function formatDay(day: CalendarDay, locale: string, style: keyof typeof DATE_STYLES): string {
  return dateTimeFormat(locale, { ...DATE_STYLES[style], timeZone: 'UTC' }).format(day.utcMidnight);
}

function dateStyle(value: unknown): keyof typeof DATE_STYLES {
  if (value === undefined) return 'long';
  if (typeof value === 'string' && Object.hasOwn(DATE_STYLES, value)) return value as keyof typeof DATE_STYLES;
  throw new HelperError(`formatDate style must be one of ${Object.keys(DATE_STYLES).join(', ')}`);
}

/** Handlebars passes its options object last, after however many arguments the template wrote. */
function splitArgs(args: unknown[]): { values: unknown[]; options: HelperOptions } {
  return { values: args.slice(0, -1), options: args.at(-1) as HelperOptions };
}

function text(value: unknown, helper: string): string {
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  throw new HelperError(`${helper} expects text`);
}

const helpers = {
  /** `{{formatDate date}}` "November 24, 2026"; "short": "Nov 24, 2026"; "weekday": "Tuesday, November 24". */
  formatDate(...args: unknown[]): unknown {
    const { values, options } = splitArgs(args);
    const [date, style] = values;
    if (isAbsent(date)) return date;
    return formatDay(calendarDay(date, timeZoneOf(options), 'formatDate'), localeOf(options), dateStyle(style));
  },

  /** `{{relativeDay date}}`: today, yesterday, tomorrow, on Tuesday (within a week), else on <date>. */
  relativeDay(...args: unknown[]): unknown {
    const { values, options } = splitArgs(args);
    const [date] = values;
    if (isAbsent(date)) return date;
    const timeZone = timeZoneOf(options);
    const locale = localeOf(options);
    const root = options.data?.root as { now?: unknown } | undefined;
    const day = calendarDay(date, timeZone, 'relativeDay');
    const today = calendarDay(present(root?.now), timeZone, 'relativeDay (@root.now)');
    const offset = Math.round((day.utcMidnight - today.utcMidnight) / MS_PER_DAY);
    const onDay = ON_DAY[new Intl.Locale(locale).language];
    if (Math.abs(offset) <= 1 || !onDay) {
      return relativeTimeFormat(locale, { numeric: 'auto' }).format(offset, 'day');
    }
    if (Math.abs(offset) < 7) {
      return onDay(dateTimeFormat(locale, { weekday: 'long', timeZone: 'UTC' }).format(day.utcMidnight));
    }
    return onDay(formatDay(day, locale, 'long'));
  },

  /** `{{list medications}}` or `{{list items field="code"}}`: "a, b and c" in the render's locale. */
  list(items: unknown, options: HelperOptions): unknown {
    const field: unknown = options.hash.field ?? 'display';
    if (isAbsent(items)) return items;
    if (!Array.isArray(items) || typeof field !== 'string') throw new HelperError('list expects a list and a field name');
    const names = items
      .map((item: unknown) => present(typeof item === 'object' && item !== null ? Reflect.get(item, field) : item))
      .filter((name): name is string => typeof name === 'string');
    if (names.length === 0) return absentFor(items);
    return listFormat(localeOf(options), { style: 'long', type: 'conjunction' }).format(names);
  },

  lower(value: unknown, options: HelperOptions): unknown {
    return isAbsent(value) ? value : text(value, 'lower').toLocaleLowerCase(localeOf(options));
  },

  capitalize(value: unknown, options: HelperOptions): unknown {
    if (isAbsent(value)) return value;
    const word = text(value, 'capitalize');
    return word.charAt(0).toLocaleUpperCase(localeOf(options)) + word.slice(1);
  },
};

export const helperNames: readonly string[] = Object.keys(helpers);

/** A Handlebars environment with careprompt's helpers and guard helpers that understand absent values. */
export function createTemplateEnvironment(): TemplateEnvironment {
  const env = Handlebars.create();
  for (const [name, helper] of Object.entries(helpers)) env.registerHelper(name, helper);
  // `unless` delegates to `if`, so wrapping these three makes every built-in guard treat absent as empty.
  for (const name of ['if', 'with', 'each']) {
    const builtin = env.helpers[name];
    if (!builtin) throw new Error(`Handlebars has no built-in ${name} helper`);
    env.registerHelper(name, function (this: unknown, value: unknown, options: HelperOptions) {
      return builtin.call(this, isAbsent(value) ? undefined : value, options);
    });
  }
  return env;
}
