/**
 * A small recovery world for tests: a DCC database (a real SQLite file, or :memory:), a drill's
 * estate built in the Smart Metering Inventory and the DCC register, and the procedure over it.
 */
import { createCrypto } from '../../protocol/crypto/index.ts';
import type { DeviceState } from '../../sim/device.ts';
import { openDccDatabase } from '../../sim/inventory/store.ts';
import { Drill, type DrillParams } from '../../sim/recovery/drill.ts';
import type { Method } from '../../sim/recovery/keys.ts';
import { MemoryStateStore, type StateStore } from '../../sim/state-store.ts';

export const DRILL_DAY = Date.UTC(2017, 0, 2);

export function recoveryWorld(o: {
  premises: number;
  compromise: string;
  method?: Method | null;
  asOf?: number;
  seed?: string;
  crypto?: 'noble' | 'node';
  db?: string;
  store?: StateStore<DeviceState>;
}) {
  const db = openDccDatabase(o.db ?? ':memory:');
  const store = o.store ?? new MemoryStateStore<DeviceState>();
  const params: DrillParams = {
    premises: o.premises,
    compromise: o.compromise,
    method: o.method ?? null,
    asOf: o.asOf ?? DRILL_DAY,
    seed: o.seed ?? 'recovery-test',
  };
  const crypto = createCrypto(o.crypto ?? 'node');
  const drill = new Drill(db, params, { crypto, deviceStore: store });
  const procedure = drill.procedure;
  return {
    db,
    drill,
    procedure,
    dcc: procedure.dcc,
    estate: drill.estate,
    store,
    crypto,
    at: params.asOf,
    params,
    /** A fresh drill object on the same database and device store (a restarted process). */
    restart: () => new Drill(db, params, { crypto, deviceStore: store }),
  };
}
