/**
 * Searches whose URL would be too long for the server (pure). Web servers in front of EHRs refuse long request
 * lines (414, or 431 from Node): 8 KB for nginx, Apache and Jetty, 2 KB of query string for IIS. A comma in a FHIR
 * search value is OR, so a long list (a value set's codes, the patients whose records changed) can be asked for in
 * parts whose answers, taken together, are the whole answer.
 */
import type { SearchParams } from './gateway.ts';

/** The query string as fhir-kit-client sends it (URLSearchParams, repeated keys for lists). */
export function queryStringOf(params: SearchParams): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) for (const item of [value].flat()) query.append(name, item);
  return query.toString();
}

/**
 * The searches that together ask what `params` asks, each with a query string of at most `maxQueryLength`
 * characters where that can be done: the longest comma-separated list is cut into runs that fit (after the other
 * lists, when they are too long to fit beside any one of its values). One value that cannot fit on its own is
 * still asked for, alone (the server decides).
 */
export function splitSearch(params: SearchParams, maxQueryLength: number): SearchParams[] {
  if (queryStringOf(params).length <= maxQueryLength) return [params];
  const longest = longestList(params);
  if (!longest) return [params];
  const [name, values] = longest;
  // Another list too long to sit beside even this list's widest value is cut first, then this list in each part.
  const widest = values.reduce((wide, value) => (value.length > wide.length ? value : wide));
  const beside = splitSearch({ ...params, [name]: widest }, maxQueryLength);
  if (beside.length > 1) return beside.flatMap((part) => splitSearch({ ...part, [name]: values.join(',') }, maxQueryLength));
  const fits = (chunk: readonly string[]) => queryStringOf({ ...params, [name]: chunk.join(',') }).length <= maxQueryLength;
  const chunks: string[][] = [];
  let chunk: string[] = [];
  for (const value of values) {
    if (chunk.length > 0 && !fits([...chunk, value])) {
      chunks.push(chunk);
      chunk = [];
    }
    chunk.push(value);
  }
  chunks.push(chunk);
  return chunks.map((part) => ({ ...params, [name]: part.join(',') }));
}

/** The single-valued parameter holding the longest list of two or more values (an escaped `\,` is no separator). */
function longestList(params: SearchParams): [string, string[]] | undefined {
  let longest: [string, string[]] | undefined;
  for (const [name, value] of Object.entries(params)) {
    if (typeof value !== 'string') continue;
    const values = value.split(/(?<!\\),/);
    if (values.length > 1 && value.length > (longest?.[1].join(',').length ?? 0)) longest = [name, values];
  }
  return longest;
}
