/** The token endpoint a FHIR server announces in `<base>/.well-known/smart-configuration` (SMART App Launch). */
import { z } from 'zod';
import { FhirAuthError } from './error.ts';
import { exchange } from './exchange.ts';

const SmartConfiguration = z.looseObject({ token_endpoint: z.url({ protocol: /^https?$/ }) });

export async function discoverTokenUrl(baseUrl: string, timeoutMs: number): Promise<string> {
  const url = `${baseUrl.replace(/\/+$/, '')}/.well-known/smart-configuration`;
  const fix = `set FHIR_TOKEN_URL to the EHR's token endpoint`;
  const reply = await exchange('SMART configuration request', url, { headers: { accept: 'application/json' } }, timeoutMs);
  if (reply.status !== 200) {
    throw new FhirAuthError(`no SMART configuration at ${url} (HTTP ${reply.status}): ${fix}`, `http-${reply.status}`);
  }
  const parsed = SmartConfiguration.safeParse(reply.body);
  if (!parsed.success)
    throw new FhirAuthError(`the SMART configuration at ${url} names no token_endpoint URL: ${fix}`, 'no-token-endpoint');
  const tokenUrl = parsed.data.token_endpoint;
  // Credentials go to this URL: never over plain HTTP when the FHIR server itself is on HTTPS.
  if (baseUrl.startsWith('https:') && !tokenUrl.startsWith('https:')) {
    throw new FhirAuthError(`the SMART configuration at ${url} names a token endpoint without https: ${fix}`, 'insecure-token-endpoint');
  }
  return tokenUrl;
}
