/**
 * Debian's Chromium for the panel's browser tests, driven by playwright-core (never a downloaded
 * browser). The flags keep it from reaching for Google's services, which this machine can't reach.
 */
import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Whether the browser tests can run here; when not, they skip themselves with this warning. */
export function chromiumAvailable(testFile: string): boolean {
  const available = fs.existsSync(CHROMIUM);
  if (!available) console.warn(`${testFile} skipped: ${CHROMIUM} not found (apt-get install -y chromium)`);
  return available;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}
