/**
 * The 30-day run (issue 3, Done-when): a commissioned premises through 30 virtual days — half-hour
 * profiles, daily reads and alerts accumulate; prepayment credit runs down, the supply disables, a
 * UTRN top-up restores it. Plus the seeded consumption statistics and the CLI.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SIMULATE_LATEST_MS, simulate } from '../../app/simulate.ts';
import { createCrypto } from '../../protocol/crypto/index.ts';
import { decodeGbcsMessage } from '../../protocol/envelope.ts';
import { profileStatistics, seededRng } from '../../sim/models/common/consumption.ts';
import { ROOT } from '../fixtures/paths.ts';

const crypto = createCrypto('noble');

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
    // Gas: the GSME's credit ran out once (day 15), a CS01b top-up re-armed the valve, the consumer
    // opened it, and gas kept flowing to the end.
    expect(summary.gas.volumeM3).toBe(104.437);
    expect(summary.gas.prepayment).toEqual({
      startPence: 2771,
      minPence: -6,
      endPence: 681,
      creditExhausted: true,
      disablements: 1,
      restorations: 1,
      topUps: 1,
      topUpPence: 3000,
    });
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
    const sent = 1 + p.topUps + summary.gas.prepayment.topUps;
    expect(summary.commands).toEqual({ sent, accepted: sent, verified: sent });
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
    // The gas too (it once came from the GSME's EUI alone, the same for every seed).
    expect([a.gas.volumeM3, c.gas.volumeM3]).toEqual([10.452, 10.514]);
  }, 60_000);

  it('gas goes on past the day the GSME credit runs out, and depends on the seed', () => {
    // Seed 1: the valve closes late on day 15 (2026-01-19 21:30); it was 52.437 m³ for every run
    // of 15 days or more, whatever the seed, before gas top-ups.
    const d15 = simulate({ days: 15, seed: '1', crypto }).summary.gas;
    expect(d15.volumeM3).toBe(52.214);
    expect(d15.prepayment).toMatchObject({ disablements: 1, topUps: 0, endPence: -4 });
    const d16 = simulate({ days: 16, seed: '1', crypto });
    expect(d16.summary.gas.volumeM3).toBe(55.48);
    expect(d16.summary.gas.prepayment).toMatchObject({ disablements: 1, topUps: 1, restorations: 1 });
    expect(simulate({ days: 16, seed: '1', crypto })).toEqual(d16);
    expect(simulate({ days: 16, seed: '2', crypto }).summary.gas.volumeM3).toBe(55.217);
    expect(simulate({ days: 5, seed: '1', crypto }).summary.gas.volumeM3).toBe(17.692);
    expect(simulate({ days: 5, seed: '2', crypto }).summary.gas.volumeM3).toBe(17.301);
  }, 120_000);

  it('a year: one gas profile entry every half hour, beyond the 3 months the GSME log keeps', () => {
    const { summary } = simulate({ days: 366, seed: '1', crypto });
    expect(summary.halfHourProfiles).toBe(366 * 48);
    expect(summary.gas).toMatchObject({ halfHourProfiles: 366 * 48, dailyReads: 366, volumeM3: 817.669 });
    expect(summary.gas.prepayment).toMatchObject({ disablements: 13, topUps: 13, restorations: 13 });
  }, 120_000);

  it('refuses a run it cannot make', () => {
    expect(() => simulate({ days: 0, seed: '1', crypto })).toThrow(RangeError);
    expect(() => simulate({ days: 1, seed: '1', crypto, topUpPounds: 0 })).toThrow(RangeError);
    expect(() => simulate({ days: 1, seed: '1', crypto, accrualStepMs: 1_000 })).toThrow(RangeError);
    // Issue 8 finding 10: a run across year 10000 threw from deep inside (timestamp out of range).
    for (const startMs of [
      Date.UTC(9999, 11, 30),
      Date.UTC(2136, 1, 7),
      Date.UTC(1999, 11, 31),
      Number.NaN,
      0.5,
    ])
      expect(() => simulate({ days: 3, seed: '1', crypto, startMs }), String(startMs)).toThrow(
        /^start: the run must lie within/,
      );
    expect(SIMULATE_LATEST_MS).toBe(Date.UTC(2136, 1, 7, 6, 28, 13));
    // The last days the premises' clocks can count run to the end.
    const last = simulate({ days: 2, seed: '1', crypto, startMs: Date.UTC(2136, 1, 5) });
    expect(last.summary.commands.verified).toBe(last.summary.commands.sent);
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
    expect(lines[2].summary.gas).toMatchObject({ halfHourProfiles: 96, dailyReads: 2 });
    // A decimal integer from 1 to 366, nothing Number() would also read (hex, exponent, fraction…).
    for (const days of ['0', '367', '0x10', '1e2', '30.0', '016', ' 7', '']) {
      const bad = spawnSync(join(ROOT, 'bin', 'gbcs-sim'), ['simulate', '--days', days], {
        encoding: 'utf8',
        cwd: ROOT,
      });
      expect([days, bad.status, bad.stderr.trim()]).toEqual([
        days,
        2,
        'gbcs-sim: --days: an integer from 1 to 366',
      ]);
    }
  }, 60_000);
});
