/**
 * The benchmark's FHIR server process: tools/fhir-server (same flags as its main.ts, so strict modes are turned on
 * the way an operator would), forked with an IPC channel so the bench can ask what the strict modes did (tokens
 * issued, requests refused) without a request of its own reaching the server. Sends `{ baseUrl }` once it
 * accepts requests, answers 'stats' with `{ stats }`, and closes on SIGTERM or when the bench goes away.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { FLAG_OPTIONS, optionsFromFlags } from '../tools/fhir-server/flags.ts';
import { type StrictStats, startFhirServer } from '../tools/fhir-server/index.ts';

export type FhirServerMessage = { baseUrl: string } | { stats: StrictStats };

function send(message: FhirServerMessage): void {
  process.send?.(message);
}

const { values } = parseArgs({ options: FLAG_OPTIONS });
const server = await startFhirServer(optionsFromFlags(values, (path) => JSON.parse(readFileSync(path, 'utf8'))));
process.on('message', (message) => {
  if (message === 'stats') send({ stats: server.stats() });
});
let closing = false;
const close = () => {
  if (closing) return;
  closing = true;
  process.channel?.unref();
  server.close().catch((error: unknown) => {
    process.stderr.write(`bench fhir-server: close failed: ${error instanceof Error ? error.name : String(error)}\n`);
    process.exitCode = 1;
  });
};
process.once('SIGTERM', close);
process.once('disconnect', close);
send({ baseUrl: server.baseUrl });
