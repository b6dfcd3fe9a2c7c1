import { Client } from 'fhir-kit-client';
import { startFhirServer } from './src/fhir-server/index.ts';
import { seedPopulation } from './src/demo/population.ts';
const asOf = new Date('2026-11-26T12:00:00Z');
const server = await startFhirServer();
await seedPopulation(server.baseUrl, { patients: Number(process.argv[2] ?? 10000), seed: 42, asOf });
const client = new Client({ baseUrl: server.baseUrl });
const iso = (ms: number) => new Date(asOf.getTime() - ms).toISOString();
const D = 86400000;
for (let k = 0; k < 3; k++) {
  let t = performance.now();
  let b: any = await client.search({ resourceType: 'Procedure', searchParams: { code: 'http://snomed.info/sct|18557009', status: 'completed', date: [`ge${iso(3 * D)}`, `le${asOf.toISOString()}`], _lastUpdated: `ge${iso(D)}`, _count: 500 } });
  const times = [Math.round(performance.now() - t)];
  while ((t = performance.now(), b = await client.nextPage({ bundle: b }))) times.push(Math.round(performance.now() - t));
  console.log('procedure pages ms', times, 'total', b?.total);
}
// warm a non-index path
let t = performance.now();
await client.search({ resourceType: 'Procedure', searchParams: { status: 'completed', _count: 500 } });
console.log('status-only scan first page ms', Math.round(performance.now() - t));
t = performance.now();
const p: any = await client.search({ resourceType: 'Patient', searchParams: { _count: 1 } });
const pid = p.entry[0].resource.id;
t = performance.now();
for (let k = 0; k < 100; k++) await client.search({ resourceType: 'Patient', searchParams: { _id: pid, _revinclude: ['Condition:subject', 'Procedure:subject', 'MedicationRequest:subject', 'MedicationStatement:subject'] } as any });
console.log('revinclude avg ms (incl first index builds)', (performance.now() - t) / 100);
t = performance.now();
for (let k = 0; k < 100; k++) await client.search({ resourceType: 'Patient', searchParams: { _id: pid, _revinclude: ['Condition:subject', 'Procedure:subject', 'MedicationRequest:subject', 'MedicationStatement:subject'] } as any });
console.log('revinclude avg ms', (performance.now() - t) / 100);
// conditional create cost at 20k communications
const N = 20000;
t = performance.now();
const comms = Array.from({ length: N }, (_, i) => ({ resource: { resourceType: 'Communication', status: 'completed', subject: { reference: `Patient/${pid}` }, identifier: [{ system: 'urn:careprompt:prompt', value: `k${i}` }] }, request: { method: 'POST', url: 'Communication' } }));
for (let i = 0; i < N; i += 500) await client.batch({ body: { resourceType: 'Bundle', type: 'batch', entry: comms.slice(i, i + 500) } as any });
console.log('loaded comms ms', Math.round(performance.now() - t));
t = performance.now();
const M = 200;
for (let i = 0; i < M; i++) {
  await client.create({ resourceType: 'Communication', body: { resourceType: 'Communication', status: 'completed', identifier: [{ system: 'urn:careprompt:prompt', value: `new${i}` }] }, options: { headers: { 'If-None-Exist': `identifier=urn:careprompt:prompt|new${i}` } } });
}
console.log('conditional create (new) avg ms', ((performance.now() - t) / M).toFixed(2));
t = performance.now();
for (let i = 0; i < M; i++) {
  await client.create({ resourceType: 'Communication', body: { resourceType: 'Communication', status: 'completed', identifier: [{ system: 'urn:careprompt:prompt', value: `k${i}` }] }, options: { headers: { 'If-None-Exist': `identifier=urn:careprompt:prompt|k${i}` } } });
}
console.log('conditional create (existing) avg ms', ((performance.now() - t) / M).toFixed(2));
t = performance.now();
const r: any = await client.search({ resourceType: 'Communication', searchParams: { subject: `Patient/${pid}`, _count: 10 } });
console.log('comm by subject first ms', Math.round(performance.now() - t), r.total);
t = performance.now();
await client.search({ resourceType: 'Communication', searchParams: { subject: `Patient/${pid}`, _count: 10 } });
console.log('comm by subject again ms', Math.round(performance.now() - t));
t = performance.now();
const c: any = await client.search({ resourceType: 'Communication', searchParams: { _summary: 'count' } });
console.log('count ms', Math.round(performance.now() - t), c.total, 'rss MiB', Math.round(process.memoryUsage().rss / 2 ** 20));
await server.close();
