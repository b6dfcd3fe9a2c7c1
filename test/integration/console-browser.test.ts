import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshot } from '../support/browser.ts';
import { type ConsoleUnderTest, signedIn, startConsole } from '../support/console.ts';
import { useTestEnvironment } from '../support/environment.ts';

describe('the console in Chromium', () => {
  const env = useTestEnvironment();
  let console: ConsoleUnderTest;
  beforeAll(async () => {
    console = await startConsole(env.fhir.baseUrl);
  });
  afterAll(() => console?.close());

  it('signs in', async () => {
    const email = await console.api.addUser('care_manager', 'cm@clinic.test');
    const page = await signedIn(console, email);
    await screenshot(page, 'home');
    expect(await page.getByRole('navigation', { name: 'Console' }).textContent()).toContain('Campaigns');
  });
});
