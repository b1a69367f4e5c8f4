/**
 * sim/device/factory-reset.ts: what a factory reset keeps of a device's state (issue 8 finding 5) — the
 * security state (floors, alert counter, credentials and cells wherever the state holds them, the
 * UTRN floor), and nothing of the application state.
 */
import { describe, expect, it } from 'vitest';
import type { DeviceState } from '../../../sim/device/device.ts';
import { factoryResetState } from '../../../sim/device/factory-reset.ts';

const cell = {
  role: 2,
  usage: 'ds',
  cell: 'management',
  subjectUniqueId: 'ab00000000010000',
  publicKey: '04aa',
};

function used(): DeviceState {
  return {
    eui: 'd000000000000003',
    deviceType: 'ESME',
    antiReplay: { '2': '1767254460000', '3': '1767254460001' },
    alertCounter: '42',
    // Security fields a state may carry beside the floors (credentials, retired floors): kept whole.
    ...({ credentials: { trustAnchors: [cell] }, retiredFloors: { '2/ab00000000010000': '7' } } as object),
    model: {
      esme: { registers: { importWh: 123456 } },
      trustAnchorCells: [cell],
      securityCredentials: {
        pending: { ds: { privateKey: '01', publicKey: '04', generatedAt: 1 } },
        installed: { ka: { privateKey: '02', publicKey: '04bb', certificate: '30', installedAt: 2 } },
        unsentAlerts: [{ alertCode: 0x8f4c, at: 3, problem: 'x' }],
      },
      prepayment: {
        creditPence: 5000,
        utrnCounterFloor: '987654321',
        utrnCounters: ['987654320', '987654321'],
        maxCreditPence: null,
        topUps: [{ atMs: 1, counter: '987654321', valuePence: 2000, source: 1 }],
        lastVerdict: null,
      },
      deviceLog: [{ eui: 'x' }],
    },
    faults: [{ kind: 'drop', messageCode: 0x52 }],
    schedule: [],
    // The model parts are stand-ins (a register, a log entry), not whole models: typed loosely.
  } as unknown as DeviceState;
}

describe('factory reset (finding 5)', () => {
  it('keeps the security state, drops the application state, faults and schedule', () => {
    const before = used();
    const after = factoryResetState(before) as DeviceState & Record<string, unknown>;
    expect(after).toEqual({
      eui: 'd000000000000003',
      deviceType: 'ESME',
      antiReplay: { '2': '1767254460000', '3': '1767254460001' },
      alertCounter: '42',
      credentials: { trustAnchors: [cell] },
      retiredFloors: { '2/ab00000000010000': '7' },
      model: {
        trustAnchorCells: [cell],
        securityCredentials: {
          pending: {},
          installed: { ka: { privateKey: '02', publicKey: '04bb', certificate: '30', installedAt: 2 } },
          unsentAlerts: [],
        },
        prepayment: {
          creditPence: 0,
          utrnCounterFloor: '987654321',
          utrnCounters: ['987654320', '987654321'],
          maxCreditPence: null,
          topUps: [],
          lastVerdict: null,
        },
      },
    });
    // A copy: the reset state shares nothing with the state it came from.
    after.antiReplay['2'] = '0';
    (after.model.trustAnchorCells as Array<{ publicKey: string }>)[0]!.publicKey = '04ff';
    expect(before).toEqual(used());
  });

  it('a fresh device resets to floors and counter only', () => {
    const fresh: DeviceState = {
      eui: 'd000000000000001',
      deviceType: 'CHF',
      antiReplay: {},
      alertCounter: '0',
      model: {},
    };
    expect(factoryResetState(fresh)).toEqual(fresh);
  });
});
