import { Client } from 'fhir-kit-client';
import { startFhirServer } from './src/fhir-server/index.ts';
import { seedPopulation } from './src/demo/population.ts';
const asOf = new Date('2026-11-26T12:00:00Z');
const server = await startFhirServer();
let t = performance.now();
const exp = await seedPopulation(server.baseUrl, { patients: Number(process.argv[2]), seed: 7, asOf });
console.log('seed s', ((performance.now() - t) / 1000).toFixed(1), exp.resources, 'rss MiB', Math.round(process.memoryUsage().rss / 2 ** 20));
const client = new Client({ baseUrl: server.baseUrl });
const iso = (ms: number) => new Date(asOf.getTime() - ms).toISOString();
const D = 86400000;
for (const [label, resourceType, searchParams] of [
  ['procedure', 'Procedure', { code: 'http://snomed.info/sct|18557009', status: 'completed', date: [`ge${iso(3 * D)}`, `le${asOf.toISOString()}`], _count: 500 }],
  ['condition', 'Condition', { code: 'http://snomed.info/sct|44054006,http://hl7.org/fhir/sid/icd-10-cm|E11.9', 'clinical-status': 'active', _count: 500 }],
  ['condition lastUpdated', 'Condition', { _lastUpdated: `ge${iso(D)}`, _count: 500 }],
] as const) {
  t = performance.now(); let pages = 0; let n = 0;
  let b: any = await client.search({ resourceType, searchParams: searchParams as any });
  const first = Math.round(performance.now() - t);
  while (b) { pages++; n += (b.entry ?? []).length; b = await client.nextPage({ bundle: b }); }
  console.log(label, { first, totalMs: Math.round(performance.now() - t), pages, n });
}
console.log('rss MiB', Math.round(process.memoryUsage().rss / 2 ** 20));
await server.close();
