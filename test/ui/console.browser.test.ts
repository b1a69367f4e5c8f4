/**
 * The web console in a real headless Chromium (Debian's `chromium`, driven by playwright-core): the
 * page loads, a command chosen on the page reaches the device and its verified response appears,
 * the trace and the devices table follow; the same page over a served premises (`serve --http`).
 * A screenshot is saved as a CI artefact in test-artifacts/. Skipped with a message where
 * /usr/bin/chromium is absent (.ci/run installs it).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsoleHub, premisesConsole, servedConsole, startConsoleServer } from '../../app/console.ts';
import { startServe } from '../../app/serve.ts';
import { createCrypto } from '../../protocol/crypto/index.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = resolve(import.meta.dirname, '../../test-artifacts');
const crypto = createCrypto('noble');

const describeBrowser = existsSync(CHROMIUM)
  ? describe
  : (name: string, _fn: () => void) =>
      describe(name, () =>
        it.skip(`needs Debian's chromium at ${CHROMIUM} (apt-get install chromium)`, () => {}),
      );

describeBrowser('web console in headless Chromium', () => {
  let profile: string;
  let browser: BrowserContext;
  beforeAll(async () => {
    profile = mkdtempSync(join(tmpdir(), 'gbcs-sim-chromium-'));
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1400, height: 1000 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
    rmSync(profile, { recursive: true, force: true });
  });

  async function open(url: string): Promise<Page> {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
    await page.waitForSelector('body[data-ready="true"]');
    expect(errors).toEqual([]);
    await page.waitForSelector('#live.on');
    return page;
  }

  it('a virtual premises: the page loads, a command sent from it reaches the ESME and its response appears', async () => {
    const hub = new ConsoleHub();
    const backend = premisesConsole({ seed: '1', crypto, hub });
    const c = await startConsoleServer({ backend, hub, port: 0 });
    try {
      const page = await open(c.url);
      expect(await page.locator('#devices tbody tr').count()).toBe(4);
      expect(await page.locator('#command-step option').count()).toBe(12);
      // Some virtual time first, so the charts have a profile and a credit curve.
      await page.click('[data-advance="86400000"]');
      await page.waitForFunction(() => document.querySelector('#info')?.textContent?.includes('2026-01-06'));
      await page.selectOption('#command-step', { index: 2 }); // ECS43: open the load switch
      await page.click('#send');
      await page.waitForSelector('#result.ok');
      const result = await page.textContent('#result');
      expect(result).toMatch(
        /^ECS43 to d000000000000003, counter \d+: response verified \(signed\), success$/,
      );
      const counter = /counter (\d+)/.exec(result!)![1]!;
      // The device holds it: its Supplier anti-replay floor is the command's counter, its supply is off.
      const esme = backend.devices().find((d) => d.deviceType === 'ESME')!;
      expect(esme.antiReplay['2']).toBe(counter);
      expect(esme.readings.supply).toBe('disconnected');
      await page.waitForFunction(() =>
        document.querySelector('#devices tbody')?.textContent?.includes('supply: disconnected'),
      );
      await page.waitForFunction(() => document.querySelectorAll('#trace tbody tr').length >= 2);
      const rows = await page.locator('#trace tbody tr').allTextContents();
      expect(rows[0]).toContain('response');
      expect(rows[0]).toContain('ECS43');
      expect(rows[0]).toContain('signature valid');
      expect(rows[1]).toContain('command');
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'console.png'), fullPage: true });
      await page.close();
    } finally {
      await c.close();
    }
  });

  it('a served premises (serve --http): the command goes through a link of serve and is answered', async () => {
    const hub = new ConsoleHub();
    // serve's events reach the console as `serve --http` wires them (bin/commands/serve.ts).
    let backend: ReturnType<typeof servedConsole> | null = null;
    const running = await startServe({
      seed: '1',
      crypto,
      gsmePollMs: 0,
      endpoint: { kind: 'tcp', port: 0 },
      framing: 'gfi',
      onEvent: (e) => backend?.onServeEvent(e),
    });
    backend = servedConsole({ served: running.served, seed: '1', crypto, hub });
    const c = await startConsoleServer({ backend, hub, port: 0 });
    try {
      const page = await open(c.url);
      expect(await page.isHidden('#advance-buttons')).toBe(true);
      await page.selectOption('#command-device', 'esme');
      await page.selectOption('#command-from', 'networkOperator');
      await page.fill('#command-code', 'ECS45');
      // ECS45 (read the load switch status) as fixed bytes: a DLMS get of IC 70 attribute 3.
      await page.fill('#command-payload', 'D9 20 00 00 01 00 01 01 00 46 00 00 60 03 0A FF 03 01 00');
      await page.click('#send');
      await page.waitForSelector('#result.ok, #result.bad');
      const text = (await page.textContent('#result')) ?? '';
      expect(text, text).toMatch(
        /^ECS45 to d000000000000003, counter \d+: response verified \(MAC\), success$/,
      );
      expect(running.served.counts.accepted).toBe(1);
      // The same bytes again are the same Message Code with a fresh counter: answered too. A command
      // the device refuses (a payload that is no DLMS) shows the refusal serve reports, at once.
      await page.fill('#command-payload', '00');
      await page.click('#send');
      await page.waitForSelector('#result.bad');
      const refused = (await page.textContent('#result')) ?? '';
      expect(refused).toMatch(/^ECS45 to d000000000000003, counter \d+: refused DECODE/);
      await page.close();
    } finally {
      await c.close();
      await running.stop();
    }
  });
});
