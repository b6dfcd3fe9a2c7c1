/** Reading a response body as JSON, for the HTTP paths that read bodies themselves (http.ts, auth/exchange.ts). */

/** What parseJsonBody gives for a body that is not JSON: each caller decides whether that is an error. */
export const NOT_JSON = Symbol('not JSON');

/** The parsed body; undefined when it is empty, NOT_JSON when it is not JSON. */
export function parseJsonBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return NOT_JSON;
  }
}
