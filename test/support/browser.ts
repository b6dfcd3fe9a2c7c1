/**
 * Debian's Chromium driven headless by playwright-core (which never downloads a browser of its own). `.ci/run`
 * installs the `chromium` package where it is missing. Screenshots go to test-artifacts/screenshots/.
 */
import { execFileSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';

export const SCREENSHOTS_DIR = join('test-artifacts', 'screenshots');

function chromiumPath(): string {
  try {
    return execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('no chromium on PATH: install it (Debian: apt-get install -y chromium); .ci/run does so');
  }
}

export function launchChromium(): Promise<Browser> {
  // Chromium's sandbox refuses to run as root (CI runs as root).
  const args = process.getuid?.() === 0 ? ['--no-sandbox'] : [];
  return chromium.launch({ executablePath: chromiumPath(), headless: true, args });
}

/** A full-page screenshot of what the page shows now, as `<name>.png`. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOTS_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS_DIR, `${name}.png`), fullPage: true });
}
