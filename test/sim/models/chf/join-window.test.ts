/**
 * The CHF join window (sim/models/chf/join-window.ts; smki-recovery-ch-domain.md §4.4): Install
 * Code for the whole window unless the device is on the Historic Device Log, whose link key then
 * alone opens the first half; the 15-entry historic log decides which applies.
 */
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../../protocol/bytes.ts';
import type { DlmsData } from '../../../../protocol/dlms/axdr.ts';
import type { Eui64 } from '../../../../protocol/types.ts';
import { VirtualClock } from '../../../../sim/clock.ts';
import type { Device } from '../../../../sim/device/device.ts';
import {
  type HanJoinCredential,
  hanJoinAttempt,
  joinWindowHalf,
  linkKeyFromInstallCode,
} from '../../../../sim/models/chf/join-window.ts';
import { chfModelOf, HISTORIC_LOG_CAPACITY } from '../../../../sim/models/chf/state.ts';
import { ACB, crypto, makeChfDevice, runChf } from '../../../fixtures/chf.ts';

const T0 = Date.UTC(2026, 0, 1);
const LOG = Uint8Array.of(0, 0, 30, 3, 0, 0xff);
const X: Eui64 = '00db1234567890a0';
const CODE = new TextEncoder().encode('83FED3407A939723');
const WINDOW_S = 100;

const acbKa = {
  role: 4,
  usage: 'ka' as const,
  cell: 'management' as const,
  subjectUniqueId: ACB,
  publicKey: crypto.publicKeyOf(crypto.sha256(new TextEncoder().encode('acb'))),
};

const os = (v: Uint8Array): DlmsData => ({ type: 'octet-string', value: v });
const ic = (installCode: Uint8Array): HanJoinCredential => ({ kind: 'install-code', installCode });
const hk = (linkKey: Uint8Array): HanJoinCredential => ({ kind: 'historic-link-key', linkKey });

/** CCS01 as the DCC sends it: register, join_timeout, enable joining (the window opens now). */
function ccs01(chf: Device, id: Eui64, code = CODE) {
  return runChf(
    chf,
    0x0001,
    [
      { type: 'action', method: { classId: 104, instanceId: LOG, methodId: 1 } },
      { type: 'set', attribute: { classId: 104, instanceId: LOG, attributeId: 3 } },
      { type: 'set', attribute: { classId: 104, instanceId: LOG, attributeId: 2 } },
    ],
    [
      {
        type: 'structure',
        value: [os(fromHex(id)), { type: 'enum', value: 1 }, os(code), { type: 'enum', value: 0 }],
      },
      { type: 'long-unsigned', value: WINDOW_S },
      { type: 'boolean', value: true },
    ],
  );
}
const ccs02 = (chf: Device, id: Eui64) =>
  runChf(
    chf,
    0x0002,
    [{ type: 'action', method: { classId: 104, instanceId: LOG, methodId: 2 } }],
    [os(fromHex(id))],
  );

function setup() {
  const clock = new VirtualClock(T0);
  const chf = makeChfDevice(clock, [acbKa]);
  return { clock, chf, join: (c: HanJoinCredential, id = X) => hanJoinAttempt(chf, id, c) };
}

describe('CHF join window', () => {
  it('a device not on the Historic Device Log joins with its Install Code for the whole window', () => {
    const { clock, chf, join } = setup();
    expect(join(ic(CODE))).toMatchObject({ ok: false, reason: 'NOT_IN_DEVICE_LOG' });
    expect(ccs01(chf, X).results).toEqual([0, 0, 0]);
    const snapshot = JSON.stringify(chf.state);
    expect(join(hk(linkKeyFromInstallCode(chf, CODE)))).toMatchObject({
      ok: false,
      reason: 'INSTALL_CODE_HALF',
    });
    expect(join(ic(new TextEncoder().encode('000000000000')))).toMatchObject({
      ok: false,
      reason: 'WRONG_INSTALL_CODE',
    });
    expect(JSON.stringify(chf.state)).toBe(snapshot); // refusals change nothing
    clock.advance(WINDOW_S * 1000 - 1); // the window's last millisecond
    const r = join(ic(CODE));
    expect(r).toMatchObject({ ok: true, via: 'install-code' });
    // The Device Log keeps SHA-256(link key)[0..16], the link key being SHA-256(Install Code)[0..16] [A].
    const key = crypto.sha256(CODE).subarray(0, 16);
    expect(r.ok && r.linkKeyHash).toBe(toHex(crypto.sha256(key).subarray(0, 16)));
    expect(r.ok && r.alert?.alertCode).toBe(0x8f12);
    expect(chfModelOf(chf).deviceLog.find((e) => e.deviceId === X)).toMatchObject({ joined: true });
  });

  it('closes when join_timeout has passed, and is closed before joining is enabled', () => {
    const { clock, chf, join } = setup();
    expect(joinWindowHalf(chf, clock.now())).toBe('closed');
    ccs01(chf, X);
    clock.advance(WINDOW_S * 1000);
    expect(join(ic(CODE))).toMatchObject({ ok: false, reason: 'JOIN_WINDOW_CLOSED' });
  });

  it('a device on the Historic Device Log: historic link key in the first half, Install Code in the second', () => {
    const { clock, chf, join } = setup();
    ccs01(chf, X);
    expect(join(ic(CODE)).ok).toBe(true);
    ccs02(chf, X); // to the Historic Device Log with its link key's hash
    const historicKey = linkKeyFromInstallCode(chf, CODE);
    clock.advance(1000);
    ccs01(chf, X, new TextEncoder().encode('NEWCODE-0001')); // a new window opens now
    expect(join(ic(new TextEncoder().encode('NEWCODE-0001')))).toMatchObject({
      ok: false,
      reason: 'HISTORIC_KEY_HALF',
    });
    expect(join(hk(Uint8Array.of(1, 2, 3)))).toMatchObject({ ok: false, reason: 'WRONG_LINK_KEY' });
    clock.advance((WINDOW_S * 1000) / 2 - 1); // still the first half
    const r = join(hk(historicKey));
    expect(r).toMatchObject({ ok: true, via: 'historic-link-key' });
    // The historic key is recorded again and CS14 reports it.
    expect(r.ok && r.alert?.alertCode).toBe(0x8f12);
  });

  it('from the half on, only the Install Code', () => {
    const { clock, chf, join } = setup();
    ccs01(chf, X);
    join(ic(CODE));
    ccs02(chf, X);
    ccs01(chf, X);
    clock.advance((WINDOW_S * 1000) / 2);
    expect(joinWindowHalf(chf, clock.now())).toBe('second');
    expect(join(hk(linkKeyFromInstallCode(chf, CODE)))).toMatchObject({
      ok: false,
      reason: 'INSTALL_CODE_HALF',
    });
    expect(join(ic(CODE))).toMatchObject({ ok: true, via: 'install-code' });
  });

  it('after 15 newer historic entries the device has left the historic log: Install Code from the start', () => {
    const { chf, join } = setup();
    ccs01(chf, X);
    join(ic(CODE));
    ccs02(chf, X);
    const others = Array.from(
      { length: HISTORIC_LOG_CAPACITY },
      (_, i) => `00000000000000${(i + 1).toString(16).padStart(2, '0')}`,
    );
    // 14 newer entries: X is still the oldest of 15.
    for (const id of others.slice(0, -1)) {
      ccs01(chf, id);
      join(ic(CODE), id);
      ccs02(chf, id);
    }
    expect(chfModelOf(chf).historicLog.map((h) => h.deviceId)[0]).toBe(X);
    ccs01(chf, X);
    expect(join(ic(CODE))).toMatchObject({ ok: false, reason: 'HISTORIC_KEY_HALF' });
    ccs02(chf, X); // X never joined this time: it keeps its historic entry as it was
    // The 15th newer entry overwrites X's, the oldest.
    const last = others.at(-1)!;
    ccs01(chf, last);
    join(ic(CODE), last);
    ccs02(chf, last);
    const historic = chfModelOf(chf).historicLog;
    expect(historic).toHaveLength(15);
    expect(historic.some((h) => h.deviceId === X)).toBe(false);
    ccs01(chf, X);
    expect(join(ic(CODE))).toMatchObject({ ok: true, via: 'install-code' });
  });
});
