import { Client } from 'fhir-kit-client';
import { startFhirServer } from './src/fhir-server/index.ts';
import { buildPopulation, seedPopulation } from './src/demo/population.ts';
const N = Number(process.argv[2] ?? 300);
const asOf = new Date('2026-11-26T12:00:00Z');
let t = performance.now();
const server = await startFhirServer();
console.log('defs+start ms', Math.round(performance.now() - t));
t = performance.now();
const exp = await seedPopulation(server.baseUrl, { patients: N, seed: 42, asOf });
console.log('seed ms', Math.round(performance.now() - t), JSON.stringify(exp), 'rss MiB', Math.round(process.memoryUsage().rss / 2 ** 20));
const client = new Client({ baseUrl: server.baseUrl });
const iso = (ms: number) => new Date(asOf.getTime() - ms).toISOString();
const D = 86400000;
async function all(resourceType: string, searchParams: any) {
  const t0 = performance.now(); let pages = 0; let n = 0; const ids = new Set();
  let b: any = await client.search({ resourceType, searchParams });
  while (b) { pages++; for (const e of b.entry ?? []) if (e.search?.mode === 'match') { n++; ids.add(e.resource.id); } b = await client.nextPage({ bundle: b }); }
  return { n, unique: ids.size, pages, ms: Math.round(performance.now() - t0) };
}
const sum = (o: any) => o.deceased + o.inactive + o.missingFirstName;
console.log('wound', await all('Procedure', { code: 'http://snomed.info/sct|18557009', status: 'completed', date: [`ge${iso(3 * D)}`], _count: 500 }), exp.woundCare + sum(exp.skipped.woundCare));
console.log('wound again', await all('Procedure', { code: 'http://snomed.info/sct|18557009', status: 'completed', date: [`ge${iso(3 * D)}`], _count: 500 }));
console.log('med', await all('MedicationRequest', { code: 'http://www.nlm.nih.gov/research/umls/rxnorm|860975,http://www.nlm.nih.gov/research/umls/rxnorm|314076,http://www.nlm.nih.gov/research/umls/rxnorm|617312,http://www.nlm.nih.gov/research/umls/rxnorm|617310,http://www.nlm.nih.gov/research/umls/rxnorm|617311,http://www.nlm.nih.gov/research/umls/rxnorm|259255', status: 'active', authoredon: [`ge${iso(21 * D)}`, `le${iso(14 * D)}`], _count: 500 }), exp.medicationCheckIn + sum(exp.skipped.medicationCheckIn));
console.log('diab', await all('Condition', { code: 'http://snomed.info/sct|44054006,http://hl7.org/fhir/sid/icd-10-cm|E11.9', 'clinical-status': 'active,recurrence,relapse', _count: 500 }), exp.diabetes + sum(exp.skipped.diabetes));
console.log('all conditions', await all('Condition', { _count: 500 }));
console.log('lastUpdated', await all('Condition', { _lastUpdated: `ge${iso(3 * 3600000)}`, _count: 1000 }));
await server.close();
