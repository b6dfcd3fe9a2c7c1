/**
 * Runs the in-memory FHIR server in its own process:
 *   npx tsx src/fhir-server/main.ts [--port 8103] [--host 127.0.0.1]
 * Prints one JSON line `{"baseUrl": "..."}` on stdout once it accepts requests, and closes on SIGTERM/SIGINT.
 */
import { parseArgs } from 'node:util';
import { startFhirServer } from './index.ts';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { port: { type: 'string', default: '0' }, host: { type: 'string', default: '127.0.0.1' } },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new Error(`--port must be an integer from 0 to 65535, got '${values.port}'`);
  }
  const server = await startFhirServer({ port, host: values.host });
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

main().catch((error: unknown) => {
  process.stderr.write(`fhir-server: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
