/**
 * HTML forms: `application/x-www-form-urlencoded` bodies parsed into a record (a repeated name, as from several
 * ticked checkboxes, becomes a list) and then through a zod schema like every other request. Registered inside
 * the console plugin only: the JSON API accepts JSON.
 */
import type { FastifyInstance } from 'fastify';

export type FormBody = Record<string, string | string[]>;

/** The largest form the console accepts (a campaign's YAML is the biggest field). */
const FORM_LIMIT_BYTES = 256 * 1024;

export function parseForm(text: string): FormBody {
  const body: FormBody = {};
  for (const [name, value] of new URLSearchParams(text)) {
    const earlier = body[name];
    body[name] = earlier === undefined ? value : [earlier, value].flat();
  }
  return body;
}

export function acceptForms(app: FastifyInstance): void {
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: FORM_LIMIT_BYTES },
    (_request, body, done) => {
      done(null, parseForm(body as string));
    },
  );
}

/** A field that may be ticked once, many times or not at all, as a list. */
export function list(value: string | string[] | undefined): string[] {
  return value === undefined ? [] : [value].flat();
}

/** The start (UTC) of the day a date field holds (`2026-11-30`), `offsetDays` later: "until" a day means before the next. */
export function dayStart(date: string, offsetDays = 0): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + offsetDays * 86_400_000).toISOString();
}
