/**
 * How long a server asks us to wait before its next request, read from a response's headers. Pure: the client
 * supplies the clock. Servers announce this in one of several ways:
 * - `Retry-After: 120` or an HTTP-date (RFC 9110);
 * - `RateLimit: "fhirInteractions";r=0;t=53`, a structured-field list of policies with their remaining quota
 *   `r` and seconds to reset `t` (IETF httpapi-ratelimit-headers draft, as Medplum sends it);
 * - `RateLimit: limit=100, remaining=0, reset=30`, the draft's earlier dictionary form (draft-07; its
 *   `RateLimit-Policy` header only describes the quota and is not needed);
 * - `RateLimit-Remaining: 0` with `RateLimit-Reset: 53` (delta seconds; the draft's earlier form);
 * - `X-RateLimit-Remaining: 0` with `X-RateLimit-Reset`: delta seconds or, as GitHub and others send it, the
 *   epoch second of the reset.
 */

/** A response header by lowercase name; several values joined with `, `. */
export type HeaderLookup = (name: string) => string | undefined;

/**
 * Milliseconds to wait before the next request, or undefined when the headers do not say (no header, a quota
 * not yet spent, or a value we cannot read). Retry-After wins: it is the server's answer for this response.
 */
export function announcedWaitMs(header: HeaderLookup, nowMs: number): number | undefined {
  return (
    parseRetryAfter(header('retry-after'), nowMs) ??
    spentPolicyResetMs(header('ratelimit')) ??
    spentDictionaryResetMs(header('ratelimit'), nowMs) ??
    spentQuotaResetMs(header('ratelimit-remaining'), header('ratelimit-reset'), nowMs, 'delta') ??
    spentQuotaResetMs(header('x-ratelimit-remaining'), header('x-ratelimit-reset'), nowMs, 'delta-or-epoch')
  );
}

/**
 * Retry-After as milliseconds from `nowMs`: either delay-seconds (`120`) or an HTTP-date
 * (`Wed, 21 Oct 2015 07:28:00 GMT`; a date in the past means now). Undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // Every HTTP-date form starts with a day name; checking it keeps Date.parse from reading "1.5" as a year.
  if (!/^[A-Za-z]{3,9},? /.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** The reset of the first policy with nothing remaining (`r=0`), in ms; undefined when every policy has quota left. */
function spentPolicyResetMs(value: string | undefined): number | undefined {
  if (!value) return undefined;
  for (const params of listMemberParameters(value)) {
    if (params.get('r') !== '0') continue;
    const reset = params.get('t');
    if (reset !== undefined && /^\d+$/.test(reset)) return Number(reset) * 1000;
  }
  return undefined;
}

/** `limit=100, remaining=0, reset=30` → the reset in ms when nothing remains; undefined otherwise. */
function spentDictionaryResetMs(value: string | undefined, nowMs: number): number | undefined {
  if (!value) return undefined;
  // A member's parameters, if any, are ignored; a list member (`"name";r=0`) has no key=value and is ignored too.
  const members = new Map(splitOutsideQuotes(value, ',').map((member) => keyAndValue(splitOutsideQuotes(member, ';')[0] ?? '')));
  return spentQuotaResetMs(members.get('remaining'), members.get('reset'), nowMs, 'delta');
}

/** Epoch seconds below this are deltas: no reset is 31 years away, and no current epoch second is this small. */
const EPOCH_SECONDS_FROM = 1_000_000_000;

function spentQuotaResetMs(
  remaining: string | undefined,
  reset: string | undefined,
  nowMs: number,
  form: 'delta' | 'delta-or-epoch',
): number | undefined {
  if (remaining?.trim() !== '0') return undefined;
  const text = reset?.trim();
  if (!text || !/^\d+$/.test(text)) return undefined;
  const seconds = Number(text);
  if (form === 'delta-or-epoch' && seconds >= EPOCH_SECONDS_FROM) return Math.max(0, seconds * 1000 - nowMs);
  return seconds * 1000;
}

/**
 * The parameters of each member of a structured-field list (RFC 8941), e.g. `"a";r=0;t=5, b;r=3` →
 * [{r: '0', t: '5'}, {r: '3'}]. Lenient: quoted strings may hold commas and semicolons; values keep no quotes.
 */
function listMemberParameters(value: string): Array<Map<string, string>> {
  return splitOutsideQuotes(value, ',').map((member) => {
    const [, ...params] = splitOutsideQuotes(member, ';');
    return new Map(params.map(keyAndValue));
  });
}

/** `t=5` → ['t', '5'], ` K = "v" ` → ['k', 'v']; lenient, no value → ''. */
function keyAndValue(text: string): [string, string] {
  const [key = '', ...rest] = text.split('=');
  return [
    key.trim().toLowerCase(),
    rest
      .join('=')
      .trim()
      .replace(/^"(.*)"$/, '$1'),
  ];
}

function splitOutsideQuotes(text: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '\\' && quoted) {
      current += char + (text[i + 1] ?? '');
      i += 1;
    } else if (char === '"') {
      quoted = !quoted;
      current += char;
    } else if (char === separator && !quoted) {
      parts.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  parts.push(current);
  return parts;
}
