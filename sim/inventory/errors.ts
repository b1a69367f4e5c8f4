/**
 * Errors of the DCC-side records (Smart Metering Inventory, Communications Hub lifecycle).
 *
 * - `Refusal`: the request was well formed but the rules refuse it (an illegal transition, a failed
 *   guard, an unknown EUI, a date before the provision is in force). Nothing was written. The CLI
 *   prints `CODE: message` on one line and exits 1.
 * - `GbcsError` with a `StoreCode`: the database file itself cannot be used (missing, not ours,
 *   written by a newer gbcs-sim). The CLI exits 2 (configuration).
 */
import { GbcsError } from '../../protocol/errors.ts';

/** Stable codes of refusals. Tools and tests branch on these, never on messages. */
export const RefusalCode = {
  /** No device with that EUI in the Smart Metering Inventory. */
  UNKNOWN_DEVICE: 'UNKNOWN_DEVICE',
  /** Pre-notification (or CH delivery) of a Device already in the SMI (§4.3 row 1 guard). */
  DEVICE_EXISTS: 'DEVICE_EXISTS',
  /** No row of the transition table for (current state, event). */
  ILLEGAL_TRANSITION: 'ILLEGAL_TRANSITION',
  /** An event dated before the record's latest event: history is kept in time order. */
  OUT_OF_ORDER: 'OUT_OF_ORDER',
  /** No Communications Hub with that id (CHF EUI). */
  UNKNOWN_HUB: 'UNKNOWN_HUB',
  /** A Communications Hub with that CHF EUI is already on record. */
  HUB_EXISTS: 'HUB_EXISTS',
} as const;
export type RefusalCode = (typeof RefusalCode)[keyof typeof RefusalCode];

/**
 * A refused operation: `code` is a `RefusalCode`, a guard's code (e.g. `NOT_NON_DOMESTIC`) or a
 * timeline code `NOT_IN_FORCE:<provision>`. The database is unchanged.
 */
export class Refusal extends GbcsError {
  readonly refused = true;
  constructor(code: string, message: string) {
    super(code, message);
    this.name = 'Refusal';
  }
}

/** Codes of database problems (configuration: exit 2). */
export const StoreCode = {
  /** The file does not exist and the command needs an existing inventory. */
  DB_NOT_FOUND: 'DB_NOT_FOUND',
  /** Not an SQLite file, or an SQLite database that is not a gbcs-sim one. */
  DB_INVALID: 'DB_INVALID',
  /** Written by a newer gbcs-sim (PRAGMA user_version beyond the migrations known here). */
  DB_TOO_NEW: 'DB_TOO_NEW',
  /** The file cannot be opened or written (permissions, a directory, a locked database…). */
  DB_UNUSABLE: 'DB_UNUSABLE',
} as const;
