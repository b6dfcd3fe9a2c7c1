import { startFhirServer } from './src/fhir-server/index.ts';
import { seedPopulation } from './src/demo/population.ts';
const server = await startFhirServer();
const t = performance.now();
await seedPopulation(server.baseUrl, { patients: Number(process.argv[2] ?? 4000), seed: 42, asOf: new Date('2026-11-26T12:00:00Z') });
console.log('seed ms', Math.round(performance.now() - t));
await server.close();
