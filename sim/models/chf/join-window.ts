/**
 * A HAN device joining the CHF's network during the join window (smki-recovery-ch-domain.md §4.4,
 * §7; GBCS CCS01 as the DUIS templates describe it [S41]):
 *
 * - Only a device on the CHF Device Log may join; the window is open from the moment joining is
 *   enabled (IC 104 attribute 2 `enable_disable_joining` set true, as CCS01 does) for `join_timeout`
 *   seconds (attribute 3, 1–3600) [S].
 * - A device that is **not** on the Historic Device Log joins with its Install Code for the whole
 *   window [S].
 * - A device that **is** on the Historic Device Log joins in the first half of the window only with
 *   its historic Trust Centre link key (the one whose hash the log keeps); in the second half it
 *   falls back to the Install Code [S]. Half = `join_timeout × 1000 / 2` ms after opening; an
 *   attempt exactly at the half is in the second half [A].
 * - The Install Code presented must be the one CCS01 gave (octet for octet) [A: the CHF compares
 *   the codes; the ZigBee stack derives the key from it]. The Trust Centre link key it yields is
 *   the first 16 octets of SHA-256(Install Code) [A: ZigBee derives it with the AES-MMO hash,
 *   which gbcs-sim does not model; only the key's hash leaves the hub].
 * - A successful join records the link key's hash on the Device Log entry and raises CS14 (0x8F12)
 *   when the hash changed (device-log.ts `hanDeviceJoined`).
 *
 * Outcomes are values: a refused attempt changes nothing and names its stable reason.
 */
import { toHex } from '../../../protocol/bytes.ts';
import type { Eui64 } from '../../../protocol/types.ts';
import type { RaisedAlert } from '../../device/alerts.ts';
import type { DeviceCore as Device } from '../../device/core.ts';
import { hanDeviceJoined } from './device-log.ts';
import { chfModelOf } from './state.ts';

/** What the joining device presents. */
export type HanJoinCredential =
  | { kind: 'install-code'; installCode: Uint8Array }
  | { kind: 'historic-link-key'; linkKey: Uint8Array };

/** Stable reasons a join attempt is refused. */
export const HanJoinRefusal = {
  /** The device is not on the CHF Device Log (the whitelist). */
  NOT_IN_DEVICE_LOG: 'NOT_IN_DEVICE_LOG',
  /** Joining is disabled, or the join window has ended. */
  JOIN_WINDOW_CLOSED: 'JOIN_WINDOW_CLOSED',
  /** A device on the Historic Device Log offered its Install Code in the first half of the window. */
  HISTORIC_KEY_HALF: 'HISTORIC_KEY_HALF',
  /** A historic link key offered in the second half, or by a device with no historic entry. */
  INSTALL_CODE_HALF: 'INSTALL_CODE_HALF',
  /** The Install Code is not the one CCS01 gave. */
  WRONG_INSTALL_CODE: 'WRONG_INSTALL_CODE',
  /** The link key's hash is not the one the Historic Device Log keeps. */
  WRONG_LINK_KEY: 'WRONG_LINK_KEY',
} as const;
export type HanJoinRefusal = (typeof HanJoinRefusal)[keyof typeof HanJoinRefusal];

export type HanJoinOutcome =
  | {
      ok: true;
      via: HanJoinCredential['kind'];
      /** Hex, 16 octets: the hash of the Trust Centre link key now on the Device Log. */
      linkKeyHash: string;
      /** CS14 (0x8F12), or null when the hash did not change or the hub has no ACB cell. */
      alert: RaisedAlert | null;
    }
  | { ok: false; reason: HanJoinRefusal; message: string };

/** The Trust Centre link key an Install Code yields (see file doc, [A]). */
export const linkKeyFromInstallCode = (dev: Device, installCode: Uint8Array): Uint8Array =>
  dev.crypto.sha256(installCode).subarray(0, 16);

/** The hash the Device Log keeps of a link key (device-log.ts: SHA-256, first 16 octets [A]). */
export const linkKeyHash = (dev: Device, linkKey: Uint8Array): string =>
  toHex(dev.crypto.sha256(linkKey).subarray(0, 16));

/**
 * Where an instant falls in the CHF's join window: `closed`, or the `first` / `second` half.
 */
export function joinWindowHalf(dev: Device, at: number): 'closed' | 'first' | 'second' {
  const { enabled, timeoutS, openedAtMs } = chfModelOf(dev).joining;
  if (!enabled || openedAtMs === null || timeoutS <= 0) return 'closed';
  const elapsed = at - openedAtMs;
  const length = timeoutS * 1000;
  if (elapsed < 0 || elapsed >= length) return 'closed';
  return elapsed < length / 2 ? 'first' : 'second';
}

/**
 * A device tries to join the CHF's HAN now (the CHF's clock) with `credential` (see file doc).
 * Persists the device state on success.
 */
export function hanJoinAttempt(dev: Device, deviceId: Eui64, credential: HanJoinCredential): HanJoinOutcome {
  const chf = chfModelOf(dev);
  const entry = chf.deviceLog.find((e) => e.deviceId === deviceId);
  const refuse = (reason: HanJoinRefusal, message: string): HanJoinOutcome => ({
    ok: false,
    reason,
    message,
  });
  if (!entry) return refuse('NOT_IN_DEVICE_LOG', `${deviceId} is not on the CHF Device Log`);
  const half = joinWindowHalf(dev, dev.clock.now());
  if (half === 'closed')
    return refuse('JOIN_WINDOW_CLOSED', 'joining is not enabled or the join window has ended');
  const historic = chf.historicLog.find((h) => h.deviceId === deviceId);
  const historicHalf = historic !== undefined && half === 'first';
  let linkKey: Uint8Array;
  if (historicHalf) {
    if (credential.kind !== 'historic-link-key')
      return refuse(
        'HISTORIC_KEY_HALF',
        `${deviceId} is on the Historic Device Log: the first half of the window takes its historic link key only`,
      );
    if (linkKeyHash(dev, credential.linkKey) !== historic.linkKeyHash)
      return refuse(
        'WRONG_LINK_KEY',
        `the link key is not the one the Historic Device Log keeps for ${deviceId}`,
      );
    linkKey = credential.linkKey;
  } else {
    if (credential.kind !== 'install-code')
      return refuse(
        'INSTALL_CODE_HALF',
        historic
          ? `the second half of the window takes the Install Code only`
          : `${deviceId} is not on the Historic Device Log: it joins with its Install Code`,
      );
    if (toHex(credential.installCode) !== entry.installCode)
      return refuse('WRONG_INSTALL_CODE', `the Install Code is not the one CCS01 gave for ${deviceId}`);
    linkKey = linkKeyFromInstallCode(dev, credential.installCode);
  }
  const alert = hanDeviceJoined(dev, deviceId, linkKey);
  return { ok: true, via: credential.kind, linkKeyHash: linkKeyHash(dev, linkKey), alert };
}
