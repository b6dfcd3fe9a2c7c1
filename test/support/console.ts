/**
 * The console over real parts, listening on loopback for a real browser: the test API (test database, Redis,
 * the FHIR test server) and Chromium, with helpers that act as a person would (labels and roles, no CSS paths).
 */
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './browser.ts';
import { PASSWORD, startTestApi, type TestApi } from './http.ts';

export interface ConsoleUnderTest {
  api: TestApi;
  browser: Browser;
  /** The console's address, e.g. http://localhost:41234. */
  url: string;
  close(): Promise<void>;
}

export async function startConsole(fhirBaseUrl: string): Promise<ConsoleUnderTest> {
  const api = await startTestApi(fhirBaseUrl);
  const address = await api.app.listen({ host: '127.0.0.1', port: 0 });
  const browser = await launchChromium();
  return {
    api,
    browser,
    // localhost: a secure context for the browser, so the Secure session cookie is kept over plain HTTP.
    url: address.replace('127.0.0.1', 'localhost'),
    async close() {
      await browser.close();
      await api.close();
    },
  };
}

/** A new browser window signed in as `email` through the sign-in page. */
export async function signedIn(console: ConsoleUnderTest, email: string): Promise<Page> {
  const page = await console.browser.newPage({ baseURL: console.url, viewport: { width: 1280, height: 800 } });
  await page.goto('/console/login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  return page;
}
