/**
 * The console end to end in Debian's Chromium, over the real API, PostgreSQL, Redis and the FHIR test server
 * with a small seeded population: a care manager makes a campaign (a mistake first), dry-runs it and activates
 * it; the engine runs; a clinician approves a held prompt and finds it sent, with its provenance; a clinician
 * may not open the campaign editor. The tests run in order and build on each other, as a day's work does.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedPopulation } from '../../tools/demo/population.ts';
import { screenshot } from '../support/browser.ts';
import { type ConsoleUnderTest, signedIn, startConsole } from '../support/console.ts';
import { useTestEnvironment } from '../support/environment.ts';
import { createTestPipeline, type TestPipeline } from '../support/pipeline.ts';

const CAMPAIGN = 'wound-care-reviewed';
const campaignYaml = (resource: string) => `id: ${CAMPAIGN}
name: Wound care, reviewed
active: false
schedule: { cron: "0 9 * * *", timezone: America/New_York }
trigger:
  resource: ${resource}
  codes: ["http://snomed.info/sct|18557009"]
  status: [completed]
  within: P3D
template: wound-care
category: instruction
repeat: once
review: required
`;

describe('the console in Chromium', () => {
  const env = useTestEnvironment();
  let console: ConsoleUnderTest;
  let pipeline: TestPipeline;
  let woundCarePrompts = 0;
  const people = { careManager: 'care.manager@clinic.test', clinician: 'clinician@clinic.test', admin: 'admin@clinic.test' };

  beforeAll(async () => {
    const expected = await seedPopulation(env.fhir.baseUrl, { patients: 30, seed: 11, asOf: new Date() });
    woundCarePrompts = expected.woundCare;
    console = await startConsole(env.fhir.baseUrl);
    pipeline = await createTestPipeline(env.db, env.fhir.baseUrl);
    await console.api.addUser('care_manager', people.careManager);
    await console.api.addUser('clinician', people.clinician);
    await console.api.addUser('admin', people.admin);
  });
  afterAll(async () => {
    await pipeline?.close();
    await console?.close();
  });

  it('a care manager creates a campaign, reads the mistake, fixes it, dry-runs it and activates it', async () => {
    expect(woundCarePrompts).toBeGreaterThan(0);
    const page = await signedIn(console, people.careManager);
    await page.getByRole('link', { name: 'Campaigns' }).click();
    await page.getByRole('link', { name: 'New campaign' }).click();

    const editor = page.getByLabel('Campaign YAML');
    await editor.fill(campaignYaml('Procedur'));
    // Validation as you type: the API's answer is listed under the editor before anything is saved.
    await page.getByText('did you mean Procedure?').waitFor();
    await page.getByRole('button', { name: 'Save campaign' }).click();
    await page.getByText('The campaign was not saved').waitFor();
    expect(await page.locator('#yaml-errors').textContent()).toMatch(
      /line 6, trigger\.resource: must be one of .*\(did you mean Procedure\?\)/,
    );
    expect(await editor.getAttribute('aria-invalid')).toBe('true');
    await screenshot(page, 'campaign-editor-error');

    await page.getByLabel('Campaign YAML').fill(campaignYaml('Procedure'));
    await page.getByRole('button', { name: 'Save campaign' }).click();
    await page.getByRole('heading', { name: 'Wound care, reviewed' }).waitFor();
    await page.getByText('Campaign created.').waitFor();

    // The dry run before it goes live: what the engine would do now, writing nothing.
    await page.getByRole('button', { name: 'Dry run' }).click();
    await page.getByRole('heading', { name: 'Dry run', level: 2 }).waitFor();
    const held = page.getByRole('table', { name: /What would become/ }).getByRole('row', { name: /Held for review/ });
    expect(await held.getByRole('cell').last().textContent()).toBe(String(woundCarePrompts));
    await screenshot(page, 'campaign-dry-run');
    await page.getByRole('link', { name: 'Campaigns' }).click();
    await page.getByRole('link', { name: 'Wound care, reviewed' }).click();

    await page.getByRole('button', { name: 'Activate' }).click();
    await page.getByText('Campaign activated.').waitFor();
    await page.getByRole('button', { name: 'Pause' }).waitFor();
    await page.close();
  });

  it('the engine runs the campaign: its prompts wait for review, counted on the campaigns page', async () => {
    const summary = await pipeline.run([CAMPAIGN]);
    expect(summary.campaigns[0]?.prompts.pending_review).toBe(woundCarePrompts);
    // The API's clock is the test's: moved past the run, so the figures count its prompts.
    console.api.clock.now = new Date();
    const page = await signedIn(console, people.careManager);
    await page.getByRole('link', { name: 'Campaigns' }).click();
    const row = page.getByRole('row', { name: /Wound care, reviewed/ });
    await row.waitFor();
    expect(await row.getByRole('cell').last().textContent()).toBe(String(woundCarePrompts));
    await screenshot(page, 'campaigns');
    await page.close();
  });

  it('a clinician approves a held prompt, then finds it sent with its provenance', async () => {
    const page = await signedIn(console, people.clinician);
    await page.getByRole('link', { name: 'Review queue' }).click();
    const first = page.getByRole('checkbox', { name: new RegExp(`${CAMPAIGN} for Patient/`) }).first();
    await first.check();
    await screenshot(page, 'review-queue');
    await page.getByRole('button', { name: 'Approve selected' }).click();
    await page.getByText('Approved 1, rejected 0.').waitFor();
    expect(await page.getByRole('checkbox', { name: new RegExp(`${CAMPAIGN} for Patient/`) }).count()).toBe(woundCarePrompts - 1);

    // The approved prompt is queued; the next run sends it.
    await pipeline.run([CAMPAIGN]);

    await page.getByRole('link', { name: 'Outreach' }).click();
    await page.getByLabel('Campaign').selectOption(CAMPAIGN);
    await page.getByLabel('Status').selectOption('sent');
    await page.getByRole('button', { name: 'Search' }).click();
    const sent = page.getByRole('table', { name: /Prompts found/ }).getByRole('row');
    await sent.nth(1).waitFor();
    expect(await sent.count()).toBe(2);
    await sent.nth(1).getByRole('link').first().click();

    await page.getByRole('heading', { name: 'Provenance' }).waitFor();
    const communicationId = await factValue(page, 'Communication id');
    expect(communicationId).toMatch(/\S/);
    expect(await factValue(page, 'Campaign version')).toBe('2');
    expect(await factValue(page, 'Reviewed by')).toBe(people.clinician);
    expect(await page.locator('pre.message').textContent()).toContain('stitches');
    const timeline = await page.getByRole('table', { name: /What happened/ }).textContent();
    expect(timeline).toContain('prompt.pending_review');
    expect(timeline).toContain('prompt.sent');
    await screenshot(page, 'prompt');
    const communication = await fetch(`${env.fhir.baseUrl}/Communication/${communicationId}`);
    expect(communication.status).toBe(200);
    await page.close();
  });

  it('a clinician is denied the campaign editor', async () => {
    const page = await signedIn(console, people.clinician);
    await page.getByRole('link', { name: 'Campaigns' }).click();
    await page.getByRole('link', { name: 'Wound care, reviewed' }).click();
    await page.getByRole('heading', { name: 'Wound care, reviewed' }).waitFor();
    expect(await page.getByRole('link', { name: 'Edit' }).count()).toBe(0);
    // As a tablet shows it: the navigation wraps and the figures' table scrolls inside its box.
    await page.setViewportSize({ width: 768, height: 1024 });
    await screenshot(page, 'campaign-tablet');
    const response = await page.goto('/console/campaigns/new');
    expect(response?.status()).toBe(403);
    await page.getByRole('heading', { name: 'Not allowed' }).waitFor();
    expect(await page.getByRole('main').textContent()).toContain('the clinician role may not GET /console/campaigns/new');
    await page.close();
  });
});

/** The value beside a label in a page's facts (a description list). */
async function factValue(page: Page, term: string): Promise<string | null> {
  return page.locator('dl.facts dt', { hasText: term }).locator('xpath=following-sibling::dd[1]').first().textContent();
}
