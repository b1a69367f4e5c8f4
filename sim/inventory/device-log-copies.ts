/**
 * The DCC's copies of the HAN Device Logs (smki-recovery-ch-domain.md §4.4): the CHF Device Log as
 * the last CS14 (0x8F12) reported it — every entry with its Trust Centre link key hash, none for a
 * device without one — and the GPF Device Log as the last GCS62 "Backup GPF Device Log" carried it.
 * They are what the DCC restores on a Communications Hub replacement: CCS03 (SRV 8.12.1) to the new
 * CHF and GCS59 (SRV 8.12.2) to the new GPF. One row per CHF or GPF (table
 * `han_device_log_copies`, migration 3); a newer copy replaces the older.
 */
import type { Eui64 } from '../../protocol/types.ts';
import type { Db } from '../store/dcc-database.ts';

/** A CHF Device Log entry: device id and link key hash (hex, 16 octets), null when none. */
export interface ChfLogCopyEntry {
  deviceId: Eui64;
  linkKeyHash: string | null;
}
/** A GPF Device Log entry: device id and GBCS Device Type code. */
export interface GpfLogCopyEntry {
  deviceId: Eui64;
  deviceType: number;
}

export type DeviceLogCopy =
  | { kind: 'CHF'; deviceId: Eui64; at: number; entries: ChfLogCopyEntry[] }
  | { kind: 'GPF'; deviceId: Eui64; at: number; entries: GpfLogCopyEntry[] };

export class DeviceLogCopies {
  private readonly st;

  constructor(db: Db) {
    this.st = {
      save: db.prepare(
        `INSERT INTO han_device_log_copies (device_id, kind, at, entries) VALUES (?, ?, ?, ?)
         ON CONFLICT (device_id) DO UPDATE SET kind = excluded.kind, at = excluded.at, entries = excluded.entries`,
      ),
      get: db.prepare<[string], { device_id: string; kind: string; at: number; entries: string }>(
        'SELECT * FROM han_device_log_copies WHERE device_id = ?',
      ),
    };
  }

  /** Keeps `copy` (one statement: atomic), replacing the device's earlier copy. */
  save(copy: DeviceLogCopy): void {
    this.st.save.run(copy.deviceId, copy.kind, copy.at, JSON.stringify(copy.entries));
  }

  /** The copy of the CHF's or GPF's Device Log, or null. */
  get(deviceId: Eui64): DeviceLogCopy | null {
    const r = this.st.get.get(deviceId);
    return r
      ? ({ kind: r.kind, deviceId: r.device_id, at: r.at, entries: JSON.parse(r.entries) } as DeviceLogCopy)
      : null;
  }
}
