/**
 * Runs the in-memory FHIR server in its own process:
 *   node --import tsx tools/fhir-server/main.ts [--port <n>, default 0: a free port] [--host 127.0.0.1]
 *     [--strict] [--auth --client-id <id> [--client-secret <secret>] [--client-jwks <jwks.json>] [--token-lifetime <s>]]
 *     [--max-url-length <chars>] [--include-cap <entries>] [--conflicts <share 0-1> [--conflict-seed <n>]] [--rate-limit <interactions> [--rate-window <s>]]
 *     [--seed <patients> [--seed-value <n>]]
 * `--strict` turns every mode on (see flags.ts and STRICT_DEFAULTS); each other flag turns on or tunes one mode.
 * `--seed` loads the synthetic population of tools/demo/population.ts before the server is announced.
 * Prints one JSON line `{"baseUrl": "..."}` on stdout once it accepts requests (with `--seed`, a second line
 * `{"seeded": {...}}`: what the example campaigns should find), and closes on SIGTERM/SIGINT.
 * Run with node, not `npx tsx`: npx's process does not pass the signals on, and the server would outlive it.
 * Bad flags exit 2.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { buildPopulation } from '../demo/population.ts';
import { FLAG_OPTIONS, optionsFromFlags, seedFromFlags } from './flags.ts';
import { FhirServerOptionsError, type FhirTestServer, startFhirServer } from './index.ts';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: FLAG_OPTIONS });
  const options = optionsFromFlags(values, readJsonFile);
  const seed = seedFromFlags(values);
  const server = await startFhirServer(options);
  // Loaded before the first line, so whoever waits for it finds the data there.
  const seeded = seed && (await load(server, { ...seed, asOf: new Date() }));
  process.stdout.write(`${JSON.stringify({ baseUrl: server.baseUrl })}\n`);
  if (seeded) process.stdout.write(`${JSON.stringify({ seeded })}\n`);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      server.close().catch((error: unknown) => {
        process.stderr.write(`fhir-server: close failed: ${String(error)}\n`);
        process.exitCode = 1;
      });
    });
  }
}

/** Through the server's repository, not HTTP: a strict server would want a token and spend its rate budget. */
async function load(server: FhirTestServer, options: Parameters<typeof buildPopulation>[0]) {
  const { bundles, expectations } = buildPopulation(options);
  for (const bundle of bundles) await server.load(bundle);
  return expectations;
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
