/**
 * `gbcs-sim catalogue` (issue 13 item 1): every Message Code and alert code per device type,
 * implemented / generic / refused by what the devices of a test bed do with it. The coverage table
 * can only grow: coverage.floor.json holds the least implemented and the most generic per type and
 * every implemented (kind, code), none of which may fall back to generic.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { allUseCases } from '../../../protocol/use-case-catalogue.ts';
import {
  COVERAGE_DEVICE_TYPES,
  type CoverageRow,
  catalogueCoverage,
  coverageSummary,
} from '../../../sim/catalogue/coverage.ts';

interface Floor {
  summary: Record<string, { implementedAtLeast: number; genericAtMost: number }>;
  implemented: Record<string, string[]>;
}
const FLOOR = JSON.parse(readFileSync(new URL('./coverage.floor.json', import.meta.url), 'utf8')) as Floor;

let rows: CoverageRow[];
beforeAll(() => {
  rows = catalogueCoverage();
});
const row = (kind: CoverageRow['kind'], code: string, t: string) =>
  rows.find((r) => r.kind === kind && r.code === code && r.deviceType === t);

describe('catalogue coverage', () => {
  it('lists every catalogue Message Code for each of its device types, and the four types for codes with none', () => {
    for (const uc of allUseCases()) {
      const code = `0x${uc.messageCode.toString(16).padStart(4, '0')}`;
      const types = COVERAGE_DEVICE_TYPES.filter((t) => uc.devices.length === 0 || uc.devices.includes(t));
      for (const t of types)
        expect(rows.some((r) => r.code === code && r.deviceType === t && r.kind !== 'alert-code')).toBe(true);
    }
    // A row per (kind, code, device type) at most.
    const keys = rows.map((r) => `${r.kind}/${r.code}/${r.deviceType}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('the coverage table only grows: the floor per device type and per implemented code', () => {
    const s = coverageSummary(rows);
    for (const t of COVERAGE_DEVICE_TYPES) {
      expect(s[t].implemented, t).toBeGreaterThanOrEqual(FLOOR.summary[t]!.implementedAtLeast);
      expect(s[t].generic, t).toBeLessThanOrEqual(FLOOR.summary[t]!.genericAtMost);
      for (const key of FLOOR.implemented[t]!) {
        const [kind, code] = key.split('/') as [CoverageRow['kind'], string];
        expect(row(kind, code, t)?.status, `${t} ${key}`).not.toBe('generic');
        expect(row(kind, code, t), `${t} ${key}`).toBeDefined();
      }
    }
  });

  it('classifies by what the device does: handler, refusal with the reason, the alert carrier', () => {
    // ECS17b (0x0027, Read ESME Energy Registers) has an ESME handler.
    expect(row('command', '0x0027', 'ESME')).toMatchObject({ status: 'implemented', name: 'ECS17b' });
    // ECS47e (0x011F) may come only from the Load Controller (role 8), whom a fresh ESME does not know.
    expect(row('command', '0x011f', 'ESME')).toMatchObject({ status: 'refused' });
    expect(row('command', '0x011f', 'ESME')!.reason).toMatch(/^NO_TRUST_ANCHOR: only loadController \(8\)/);
    // Supply Outage Restored (0x8F35) travels in ECS80 (0x0067) from an ESME, in GCA from a GSME
    // (0x8Fxx codes are critical), and a CHF has no Message Code for it.
    expect(row('alert-code', '0x8f35', 'ESME')).toMatchObject({
      status: 'implemented',
      reason: 'carried by 0x0067 ECS80',
    });
    expect(row('alert-code', '0x8f35', 'GSME')).toMatchObject({
      status: 'implemented',
      reason: 'carried by 0x1000 GCA',
    });
    expect(row('alert-code', '0x8f35', 'CHF')).toMatchObject({ status: 'refused' });
    // HAN-only messages (PECS01, PPMID → ESME) and 0x00D5 (no use case, no device type) are refused.
    expect(row('command', '0x0116', 'ESME')!.reason).toMatch(/^NOT_AUTHORISED: PECS01 is a HAN-only message/);
    expect(row('command', '0x00d5', 'CHF')!.reason).toMatch(/^UNKNOWN_MESSAGE_CODE/);
    // The future-dated outcome alert of a DLMS command (0x00CC) is the ESME scheduler's.
    expect(row('alert', '0x00cc', 'ESME')).toMatchObject({ status: 'implemented' });
  });

  it('counts each row once in the summary', () => {
    const s = coverageSummary(rows);
    const total = COVERAGE_DEVICE_TYPES.reduce(
      (n, t) => n + s[t].implemented + s[t].generic + s[t].refused,
      0,
    );
    expect(total).toBe(rows.length);
  });
});
