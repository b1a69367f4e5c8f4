/**
 * The Communications Hub Function's state (DESIGN §3: plain, serialisable data), kept at
 * `device.state.model.chf`:
 *
 * ```
 * {
 *   version: 1,
 *   extendedPanId: hex (8 octets)        // the HAN's Extended PAN ID (the CHF's EUI until CCS03 restores another)
 *   joining: { enabled: boolean, timeoutS: number, openedAtMs: number | null },   // IC 104 attributes 2, 3
 *   deviceLog: ChfLogEntry[],            // the CHF Device Log ("whitelist"), at most DEVICE_LOG_CAPACITY
 *   historicLog: { deviceId, linkKeyHash }[],  // Historic Device Log, 15 entries, oldest overwritten
 *   subGhz: { configuration: hex (A-XDR structure), channel: uint32 mask, scanRequest: number,
 *             channelLog: [secondsSince2000, alertCode, detailsHex][] },
 *   identity: { chIdentity: hex, chType: hex }  // 0-0:96.1.4 / 0-0:96.1.6 octet-strings (ASCII)
 *   logs: { event, security: [secondsSince2000, eventCode, detailsHex][], firmwareSeen }  // chf-events.ts
 * }
 * ```
 * A Device Log entry: `{ deviceId, keyType (enum as CCS01 gives it), installCode: hex, category
 * (enum), linkKeyHash: hex (16 octets) | null (no Trust Centre link key established yet), joined,
 * addedAtMs, lastCommunicationMs | null, successes, failures }`.
 *
 * A Communications Hub is made with its GPF (Device Identifier = CHF's + 1, as in every RTDS and
 * gbcs-sim premises) in the Device Log, joined; the GPF never has a Trust Centre link key
 * (smki-recovery-ch-domain.md §4.4).
 */

import { toHex } from '../../../protocol/bytes.ts';
import { type DlmsData, encodeData } from '../../../protocol/dlms/axdr.ts';
import { ZCL_EPOCH_MS } from '../../../protocol/gbz/zcl.ts';
import type { Eui64 } from '../../../protocol/types.ts';
import type { DeviceCore as Device } from '../../device/core.ts';

export const CHF_STATE_KEY = 'chf';
/** CHF Device Log capacity [A] (a public CH emulator holds 16; GBCS does not publish one). */
export const DEVICE_LOG_CAPACITY = 16;
/** Historic Device Log capacity (GBCS: 15 entries, oldest overwritten). */
export const HISTORIC_LOG_CAPACITY = 15;
/** Sub GHz channel log entries kept [A]. */
export const CHANNEL_LOG_CAPACITY = 100;
/** ZigBee UTCTime epoch, 2000-01-01T00:00:00Z (ms). */
export const ZIGBEE_EPOCH_MS = ZCL_EPOCH_MS;

export interface ChfLogEntry {
  deviceId: Eui64;
  keyType: number;
  installCode: string;
  category: number;
  linkKeyHash: string | null;
  joined: boolean;
  addedAtMs: number;
  lastCommunicationMs: number | null;
  successes: number;
  failures: number;
}

export interface ChfModel {
  version: 1;
  extendedPanId: string;
  joining: { enabled: boolean; timeoutS: number; openedAtMs: number | null };
  deviceLog: ChfLogEntry[];
  historicLog: Array<{ deviceId: Eui64; linkKeyHash: string }>;
  subGhz: {
    configuration: string;
    channel: number;
    scanRequest: number;
    channelLog: Array<[number, number, string]>;
  };
  identity: { chIdentity: string; chType: string };
  /** The CHF's own Event and Security Logs (chf-events.ts); absent in a state saved before them. */
  logs?: ChfLogs;
}

/** This model's part of the device state (sim/device/state.ts `ModelState`): `chf`, the CHF model (`CHF_STATE_KEY`). */
declare module '../../device/state.ts' {
  interface ModelState {
    chf?: ChfModel;
  }
}

/** One CHF log entry: ZigBee UTCTime seconds (since 2000-01-01), event code, details (hex). */
export type ChfLogRow = [number, number, string];

/** The CHF Event Log and Security Log (chf-events.ts), and the firmware state last logged. */
export interface ChfLogs {
  event: ChfLogRow[];
  security: ChfLogRow[];
  firmwareSeen?: { version: string; imageHash: string | null };
}

/** GBCS event codes the CHF logs of its own (GBCS Table 16.2; see chf-events.ts). */
export const ChfEvent = {
  COMMAND_ACTIONED: 0x8154,
  COMMAND_NOT_ACTIONED: 0x8155,
  FIRMWARE_VERSION_CHANGED: 0x8f43,
  DEVICE_COMMISSIONED: 0x8f69,
  FIRMWARE_VERIFICATION_SUCCESSFUL: 0x8f72,
} as const;

/** The logs of a hub commissioned at `atMs`: the Security Log's 0x8F69 "Device commissioned". */
export const newChfLogs = (atMs: number): ChfLogs => ({
  event: [],
  security: [[zigbeeSeconds(atMs), ChfEvent.DEVICE_COMMISSIONED, '']],
});

const bits32 = (v: number): DlmsData => ({
  type: 'bit-string',
  bits: 32,
  value: Uint8Array.of(v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff),
});

/**
 * Sub GHz channel masks: ZigBee channel pages 28–31 (bits 31–27) and every channel of the page
 * (bits 26–0). The factory configuration allows every channel [A].
 */
export const PAGE_MASKS = [0xe0000000, 0xe8000000, 0xf0000000, 0xf8000000].map((p) => (p | 0x07ffffff) >>> 0);

/**
 * The factory Sub GHz configuration (0-0:94.44.10.0): the four page channel masks, then the duty
 * cycle and frequency agility parameters, typed as GBCS has them (long-unsigned, long-unsigned,
 * unsigned, long-unsigned, unsigned, unsigned, long-unsigned, unsigned, long-unsigned,
 * long-unsigned, long-unsigned). Values are manufacturer defaults [A].
 */
export function factorySubGhzConfiguration(): DlmsData {
  const lu = (value: number): DlmsData => ({ type: 'long-unsigned', value });
  const u = (value: number): DlmsData => ({ type: 'unsigned', value });
  return {
    type: 'structure',
    value: [
      ...PAGE_MASKS.map(bits32),
      lu(100),
      lu(200),
      u(3),
      lu(5),
      u(5),
      u(8),
      lu(3600),
      u(100),
      lu(60),
      lu(3600),
      lu(1800),
    ],
  };
}

/** The type layout of a Sub GHz configuration, to check a DBCH04 value against. */
export const SUB_GHZ_CONFIGURATION_TYPES = [
  'bit-string',
  'bit-string',
  'bit-string',
  'bit-string',
  'long-unsigned',
  'long-unsigned',
  'unsigned',
  'long-unsigned',
  'unsigned',
  'unsigned',
  'long-unsigned',
  'unsigned',
  'long-unsigned',
  'long-unsigned',
  'long-unsigned',
] as const;

const nextEui = (eui: Eui64): Eui64 =>
  ((BigInt(`0x${eui}`) + 1n) & 0xffffffffffffffffn).toString(16).padStart(16, '0');
const ascii = (s: string) => toHex(new TextEncoder().encode(s));

/** The CHF model of a device, made on first use (see file doc). */
export function chfModelOf(dev: Device): ChfModel {
  const m = dev.state.model;
  const c = m[CHF_STATE_KEY];
  if (c && typeof c === 'object' && c.version === 1) return c;
  const now = dev.clock.now();
  const fresh: ChfModel = {
    version: 1,
    extendedPanId: dev.eui,
    joining: { enabled: false, timeoutS: 0, openedAtMs: null },
    deviceLog: [
      {
        deviceId: nextEui(dev.eui),
        keyType: 0,
        installCode: '',
        category: 0,
        linkKeyHash: null,
        joined: true,
        addedAtMs: now,
        lastCommunicationMs: now,
        successes: 0,
        failures: 0,
      },
    ],
    historicLog: [],
    subGhz: {
      configuration: toHex(encodeData(factorySubGhzConfiguration())),
      // The channel chosen when the network formed: page 28, channel 0 [A].
      channel: 0xe0000001,
      scanRequest: 0,
      channelLog: [],
    },
    identity: { chIdentity: ascii('GBCSSIM1'), chType: ascii('SIM') },
    logs: newChfLogs(now),
  };
  m[CHF_STATE_KEY] = fresh;
  return fresh;
}

/** Seconds since 2000-01-01 (ZigBee UTCTime) of an instant. */
export const zigbeeSeconds = (ms: number): number => Math.floor((ms - ZIGBEE_EPOCH_MS) / 1000);
