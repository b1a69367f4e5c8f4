/**
 * The 30-day run (issue 3, Done-when): a commissioned premises through 30 virtual days — half-hour
 * profiles, daily reads and alerts accumulate; prepayment credit runs down, the supply disables, a
 * UTRN top-up restores it. Plus the seeded consumption statistics and the CLI.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createCrypto } from '../protocol/crypto/index.ts';
import { decodeGbcsMessage } from '../protocol/envelope.ts';
import { profileStatistics, seededRng } from '../sim/consumption.ts';
import { simulate } from '../sim/simulate.ts';

const crypto = createCrypto('noble');
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

describe('simulate', () => {
  it('30 virtual days: profiles, daily reads, alerts; credit runs out, the supply disables, a UTRN top-up restores it', () => {
    const days: number[] = [];
    const {
      summary,
      alerts,
      days: reports,
    } = simulate({
      days: 30,
      seed: 'simulate-test',
      crypto,
      onDay: (d) => days.push(d.day),
    });
    expect(days).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(reports.map((r) => r.date).slice(0, 2)).toEqual(['2026-01-05', '2026-01-06']);
    expect(summary.virtualMs).toBe(30 * 86_400_000);
    expect(summary.halfHourProfiles).toBe(30 * 48);
    expect(summary.dailyReads).toBe(30);
    expect(summary.gas).toMatchObject({ halfHourProfiles: 30 * 48, dailyReads: 30 });
    expect(summary.gas.volumeM3).toBeGreaterThan(0);
    // A household: 5–40 kWh a day, busiest in the evening.
    expect(summary.meanDailyKWh).toBeGreaterThan(5);
    expect(summary.meanDailyKWh).toBeLessThan(40);
    expect(summary.peakHalfHour).toBeGreaterThanOrEqual(32);
    // Prepayment: the credit went to zero, the supply was disabled, every top-up brought it back.
    const p = summary.prepayment;
    expect(p.creditExhausted).toBe(true);
    expect(p.minPence).toBeLessThanOrEqual(0);
    expect(p.disablements).toBeGreaterThanOrEqual(1);
    expect(p.topUps).toBe(p.disablements);
    expect(p.restorations).toBe(p.topUps);
    expect(p.topUpPence).toBe(p.topUps * 3000);
    expect(reports.at(-1)?.supply).not.toBe('disabled');
    // Every command and alert verified; the disablement and the re-arming were alerted.
    expect(summary.commands).toEqual({ sent: 1 + p.topUps, accepted: 1 + p.topUps, verified: 1 + p.topUps });
    expect(summary.alerts.total).toBe(alerts.length);
    expect(summary.alerts.verified).toBe(alerts.length);
    expect(summary.alerts.byAlertCode['0x8f0f']).toBe(p.disablements);
    expect(summary.alerts.byAlertCode['0x8f32']).toBe(p.topUps);
    expect(summary.alerts.byAlertCode['0x810d']).toBeGreaterThanOrEqual(1);
    // Alerts are CRA 3 with the ESME's own counter, one more each time, in time order.
    const headers = alerts
      .map((a) => decodeGbcsMessage(a.bytes))
      .map((m) => (m.form === 'gbt' ? null : m.apdu.header));
    expect(headers.every((h) => h?.craFlag === 3)).toBe(true);
    expect(headers.map((h) => Number(h!.originatorCounter))).toEqual(alerts.map((_, i) => i + 1));
    expect(alerts.map((a) => a.at)).toEqual([...alerts.map((a) => a.at)].sort((a, b) => a - b));
    expect(reports.reduce((n, r) => n + r.alerts, 0)).toBe(alerts.length);
  }, 120_000);

  it('is deterministic from its seed; another seed is another month', () => {
    const a = simulate({ days: 3, seed: 'same', crypto }).summary;
    const b = simulate({ days: 3, seed: 'same', crypto }).summary;
    const c = simulate({ days: 3, seed: 'other', crypto }).summary;
    expect(b).toEqual(a);
    expect(c.importKWh).not.toBe(a.importKWh);
  }, 60_000);

  it('refuses a run it cannot make', () => {
    expect(() => simulate({ days: 0, seed: '1', crypto })).toThrow(RangeError);
    expect(() => simulate({ days: 1, seed: '1', crypto, topUpPounds: 0 })).toThrow(RangeError);
    expect(() => simulate({ days: 1, seed: '1', crypto, accrualStepMs: 1_000 })).toThrow(RangeError);
  });
});

describe('consumption statistics', () => {
  it('seeded streams are reproducible, independent and uniform', () => {
    const a = seededRng('s', 'x');
    const b = seededRng('s', 'x');
    const c = seededRng('s', 'y');
    const xs = Array.from({ length: 10_000 }, () => a());
    expect(Array.from({ length: 10_000 }, () => b())).toEqual(xs);
    expect(c()).not.toBe(xs[0]);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.02);
  });

  it('profile statistics: kWh, daily mean, peak half hour, evening over night', () => {
    const day = Date.UTC(2026, 0, 5);
    // Two days: 100 Wh a half hour, 1000 Wh at 18:00–18:30.
    const rows = Array.from({ length: 96 }, (_, i) => {
      const end = day + (i + 1) * 1_800_000;
      return [end, i % 48 === 36 ? 1000 : 100] as const;
    });
    const s = profileStatistics(rows);
    expect(s.days).toBe(2);
    expect(s.importKWh).toBeCloseTo((2 * (47 * 100 + 1000)) / 1000);
    expect(s.meanDailyKWh).toBeCloseTo(5.7);
    expect(s.peakHalfHour).toBe(36);
    expect(s.eveningToNightRatio).toBeCloseTo((7 * 100 + 1000) / 8 / 100);
  });
});

describe('gbcs-sim simulate', () => {
  it('prints one JSON object per day and a summary, exit 0', () => {
    const r = spawnSync(join(ROOT, 'bin', 'gbcs-sim'), ['simulate', '--days', '2', '--json'], {
      encoding: 'utf8',
      cwd: ROOT,
    });
    expect(r.status).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.slice(0, 2).map((l) => l.day)).toEqual([1, 2]);
    expect(lines[2].summary).toMatchObject({ days: 2, halfHourProfiles: 96, dailyReads: 2 });
    const bad = spawnSync(join(ROOT, 'bin', 'gbcs-sim'), ['simulate', '--days', '0'], {
      encoding: 'utf8',
      cwd: ROOT,
    });
    expect(bad.status).toBe(2);
  }, 60_000);
});
