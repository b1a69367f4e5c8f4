import { describe, expect, it } from 'vitest';
import { useCaseOf } from '../../../protocol/use-case-catalogue.ts';
import { serviceRequestVariants } from '../../../sim/duis/service-requests.ts';
import { TRANSFORM_ROWS } from '../../../sim/duis/transform.data.ts';
import {
  deviceVariantsWithoutCommand,
  gbcsCommandsFor,
  gbcsCommandsOf,
} from '../../../sim/duis/transform.ts';
import { describeDuis, templateNames, vector } from '../../fixtures/duis.ts';

describeDuis('DUIS → GBCS transform table (vs gbcs-use-case-catalogue.json and the templates)', () => {
  const catalogue = vector('gbcs-use-case-catalogue.json').rows as any[];
  const dirs = new Map<string, Set<number>>();
  for (const r of catalogue)
    for (const d of r.rtdsObserved?.rtdsDirs ?? []) {
      const s = dirs.get(d) ?? new Set<number>();
      s.add(Number.parseInt(r.messageCode, 16));
      dirs.set(d, s);
    }

  it('every row is an RTDS <SRV>_<use case> folder holding a command of that Message Code', () => {
    expect(TRANSFORM_ROWS.length).toBe(209);
    for (const [srv, variant, code] of TRANSFORM_ROWS) {
      expect(dirs.get(`${srv}_${variant}`)?.has(code), `${srv}_${variant} 0x${code.toString(16)}`).toBe(true);
      expect(['critical', 'non-critical']).toContain(useCaseOf(code)?.kind);
    }
  });

  it('every RTDS command folder of a Service Reference Variant is in the table', () => {
    const rows = new Set(TRANSFORM_ROWS.map(([s, v, c]) => `${s}_${v}_${c}`));
    for (const [d, codes] of dirs) {
      if (!/^\d/.test(d)) continue;
      for (const c of codes) {
        const kind = useCaseOf(c)?.kind;
        if (kind === 'critical' || kind === 'non-critical') expect(rows.has(`${d}_${c}`), d).toBe(true);
      }
    }
  });

  it('each device-request template family maps to a row of its variant; non-device ones to none', () => {
    const nonDevice = new Set(
      serviceRequestVariants()
        .filter((v) => v.nonDevice)
        .map((v) => v.srv),
    );
    let device = 0;
    for (const name of templateNames()) {
      const [family, srv] = name.split('_') as [string, string];
      if (/^\d/.test(family)) {
        // `8.3_DECOMMISSION_DEVICE…`: a non-device request named by its SRV
        expect(nonDevice.has(family), name).toBe(true);
        expect(gbcsCommandsOf(family), name).toEqual([]);
        continue;
      }
      if (srv === '5.1.') continue; // ECS21a as a DCC-scheduled CreateSchedule (SRV 5.1, non-device)
      expect(
        gbcsCommandsOf(srv).map((c) => c.variant),
        name,
      ).toContain(family);
      device++;
    }
    expect(device).toBe(188);
  });

  it('filters by device type: SRV 4.1.1 is ECS17b on an ESME and GCS13a on a GSME', () => {
    expect(gbcsCommandsFor('4.1.1', 'ESME').map((c) => [c.variant, c.messageCode])).toEqual([
      ['ECS17b', 0x0027],
    ]);
    expect(gbcsCommandsFor('4.1.1', 'GSME').map((c) => [c.variant, c.messageCode])).toEqual([
      ['GCS13a', 0x0074],
    ]);
    expect(gbcsCommandsOf('1.1.1').every((c) => c.kind === 'critical')).toBe(true);
  });

  it('every device variant of the matrix has at least one GBCS command', () => {
    expect(deviceVariantsWithoutCommand(serviceRequestVariants().map((v) => v.srv))).toEqual([]);
  });
});

describe('transform table without ../shared', () => {
  it('non-device variants have no GBCS command', () => {
    for (const v of serviceRequestVariants().filter((x) => x.nonDevice))
      expect(gbcsCommandsOf(v.srv)).toEqual([]);
  });
});
