/**
 * `npm run demo`: the whole pipeline on one machine. Starts the in-memory FHIR server, seeds a synthetic
 * population, applies the example campaigns, runs once, and shows what was sent. Uses its own database
 * (careprompt_demo by default), emptied at the start so every demo run begins from nothing.
 */
import { buildServices, runtimeOptions } from '../../src/app/index.ts';
import { loadCampaigns } from '../../src/campaigns/index.ts';
import { formatRunSummary } from '../../src/cli/commands/run.ts';
import { loadConfig } from '../../src/config/index.ts';
import { createLogger } from '../../src/log/index.ts';
import { runOnce } from '../../src/queue/index.ts';
import { applyCampaigns, createDb, eraseAllData, listPrompts } from '../../src/store/index.ts';
import { startFhirServer } from '../fhir-server/index.ts';
import { seedPopulation } from './population.ts';

const PATIENTS = Number(process.env.DEMO_PATIENTS ?? 300);

async function demo(): Promise<void> {
  const fhir = await startFhirServer();
  const config = loadConfig({
    SENDER_REFERENCE: 'Organization/riverside-demo',
    ORG_NAME: 'Riverside Family Medicine',
    ORG_REPLY_TIME: '2 business days',
    ORG_REPLY_TIME_ES: '2 días hábiles',
    ORG_PHONE: '555-0100',
    LOG_LEVEL: 'warn',
    // The seeded figures predict every prompt at once, whatever the hour: no quiet hours or caps unless asked for.
    SEND_WINDOW: 'always',
    FREQUENCY_CAP: 'none',
    ...process.env,
    DATABASE_URL: process.env.DEMO_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/careprompt_demo',
    FHIR_BASE_URL: fhir.baseUrl,
    QUEUE_PREFIX: 'careprompt-demo',
  });
  const db = createDb(config.databaseUrl);
  try {
    await eraseAllData(db);
    const asOf = new Date();
    console.log(`FHIR server: ${fhir.baseUrl}`);
    const seeding = Date.now();
    const expected = await seedPopulation(fhir.baseUrl, { patients: PATIENTS, seed: 42, asOf });
    console.log(`Seeded ${PATIENTS} synthetic patients in ${Date.now() - seeding} ms.`);

    const loaded = await loadCampaigns('jobs');
    await applyCampaigns(db, loaded, 'demo');
    console.log(`Applied campaigns: ${loaded.map((item) => item.campaign.id).join(', ')}\n`);

    const services = await buildServices(config, createLogger({ level: config.logLevel }), db);
    const summary = await runOnce(services, { ...runtimeOptions(config), campaignIds: loaded.map((item) => item.campaign.id) }).finally(
      () => services.close(),
    );
    console.log(formatRunSummary(summary));
    console.log(
      `\nExpected from the seeded data: wound care ${expected.woundCare}, medication check-in ${expected.medicationCheckIn}, diabetes ${expected.diabetes} (the criteria campaigns' figures: test/support/expected-outcomes.ts)`,
    );

    for (const { campaign } of loaded) {
      const [prompt] = await listPrompts(db, { campaignId: campaign.id, status: 'sent', limit: 1 });
      if (!prompt) continue;
      console.log(`\n──── ${campaign.name} → ${prompt.patientRef} (Communication/${prompt.externalId}, ${prompt.language ?? 'en'}) ────`);
      console.log(prompt.renderedText);
    }
    const [skipped] = await listPrompts(db, { status: 'skipped', limit: 1 });
    if (skipped) console.log(`\nExample of a prompt not sent: ${skipped.patientRef} (${skipped.campaignId}): ${skipped.reason}`);
    // From source (`npm run careprompt` runs tsx): `npx careprompt` would need `npm run build` first.
    console.log(`\nSee every prompt with: DATABASE_URL=${withoutPassword(config.databaseUrl)} npm run careprompt -- outreach list`);
  } finally {
    await db.$disconnect();
    await fhir.close();
  }
}

/** The demo database's URL to copy, its password (if any) shown as PASSWORD rather than printed. */
function withoutPassword(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  if (url.password) url.password = 'PASSWORD';
  return url.toString();
}

await demo();
