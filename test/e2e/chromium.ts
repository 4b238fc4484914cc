// The e2e files' browser: Debian's Chromium, headless, with nothing of its own going to the network.
// Outside CI a machine without it skips those files; in CI (.ci/run installs it) they must run.
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';

/** The `skip` option of a test that needs the browser. */
export const skipWithoutChromium = !existsSync(CHROMIUM) && !process.env.CI ? `${CHROMIUM} is not installed (apt-get install -y chromium); skipped outside CI` : false;

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
