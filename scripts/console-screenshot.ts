/**
 * Makes the README's screenshot of the web console (docs/console.png): a virtual premises a week
 * on, a few commands sent from the page, the timelines of a small `ch simulate` estate. Needs
 * Debian's chromium at /usr/bin/chromium.
 *   npx tsx scripts/console-screenshot.ts [OUT.png]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { ConsoleHub, premisesConsole, startConsoleServer } from '../app/console.ts';
import { createCrypto } from '../protocol/crypto/index.ts';

const out = process.argv[2] ?? 'docs/console.png';
const hub = new ConsoleHub();
const backend = premisesConsole({ seed: '1', crypto: createCrypto('noble'), hub });
const profile = mkdtempSync(join(tmpdir(), 'gbcs-sim-chromium-'));
const db = join(profile, 'dcc.db');
spawnSync('./bin/gbcs-sim', ['ch', 'simulate', '--db', db, '--hubs', '3', '--days', '60'], {
  stdio: 'ignore',
});
const server = await startConsoleServer({ backend, hub, port: 0, db });
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1400, height: 1050 },
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
});
try {
  const page = await browser.newPage();
  await page.goto(server.url);
  await page.waitForSelector('body[data-ready="true"]');
  await page.click('[data-advance="604800000"]');
  for (const i of [0, 2, 3, 6, 10, 11]) {
    await page.selectOption('#command-step', { index: i });
    await page.click('#send');
    await page.waitForFunction((n) => document.querySelectorAll('#trace tbody tr').length >= n, 1);
  }
  await page.waitForTimeout(300);
  await page.screenshot({ path: out, fullPage: true });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  await server.close();
  rmSync(profile, { recursive: true, force: true });
}
