/**
 * Runs the in-memory FHIR server in its own process:
 *   npx tsx tools/fhir-server/main.ts [--port 8103] [--host 127.0.0.1]
 *     [--strict] [--auth --client-id <id> (--client-secret <secret> | --client-jwks <jwks.json>) [--token-lifetime <s>]]
 *     [--include-cap <entries>] [--conflicts <share 0-1> [--conflict-seed <n>]] [--rate-limit <interactions> [--rate-window <s>]]
 * `--strict` turns every mode on (see flags.ts and STRICT_DEFAULTS); each other flag turns on or tunes one mode.
 * Prints one JSON line `{"baseUrl": "..."}` on stdout once it accepts requests, and closes on SIGTERM/SIGINT.
 * Bad flags exit 2.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { FLAG_OPTIONS, optionsFromFlags } from './flags.ts';
import { FhirServerOptionsError, startFhirServer } from './index.ts';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: FLAG_OPTIONS });
  const server = await startFhirServer(optionsFromFlags(values, readJsonFile));
  process.stdout.write(`${JSON.stringify({ baseUrl: server.baseUrl })}\n`);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      server.close().catch((error: unknown) => {
        process.stderr.write(`fhir-server: close failed: ${String(error)}\n`);
        process.exitCode = 1;
      });
    });
  }
}

function readJsonFile(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    // Only the error's kind: a JSON parse message could quote the key material.
    const reason =
      error instanceof SyntaxError ? 'is not valid JSON' : `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`;
    throw new FhirServerOptionsError(`--client-jwks ${path} ${reason}; give the file careprompt keys jwks prints`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`fhir-server: ${error instanceof Error ? error.message : String(error)}\n`);
  const badInput =
    error instanceof FhirServerOptionsError || (error as NodeJS.ErrnoException | undefined)?.code?.startsWith('ERR_PARSE_ARGS');
  process.exit(badInput ? 2 : 1);
});
