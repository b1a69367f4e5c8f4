/**
 * The schema of the DCC-side database file (DESIGN §3: the Smart Metering Inventory, Communications
 * Hub records, and later recovery incidents and the DUIS outbox live in one SQLite file), as an
 * ordered list of migrations. `PRAGMA user_version` holds the number of the last one applied; each
 * runs in its own transaction together with the user_version update, so a crash leaves either the
 * old or the new schema. Migrations are frozen: a released one is never edited, a change is a new
 * entry. Tables are STRICT (typed) and the CHECK constraints repeat the enumerations of the time
 * (DUIS v5.4 tokens), so the file stays valid whatever code reads it.
 */

export interface Migration {
  /** The user_version after this migration. */
  version: number;
  name: string;
  sql: string;
}

const SMI_STATUSES_SQL = `('Pending','Whitelisted','InstalledNotCommissioned','Commissioned','Decommissioned','Withdrawn','Suspended','Recovery','Recovered')`;
const INCIDENT_STATES_SQL = `('Reported','Confirmed','Decided','Executing','PostRecovery','Closed')`;
const CH_STATES_SQL = `('Ordered','InTransit','Delivered','Rejected','InSupplierStock','InstalledNoWAN','Commissioned','Faulty','MustReturn','Removed','InReturn','FaultDiagnosis','Refurbished','Scrapped','Lost')`;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'Smart Metering Inventory: devices, SMI Status history, DCC alert log',
    sql: `
CREATE TABLE devices (
  device_id TEXT PRIMARY KEY CHECK (length(device_id) = 16 AND device_id NOT GLOB '*[^0-9a-f]*'),
  device_type TEXT NOT NULL CHECK (device_type IN ('ESME','GSME','GPF','CHF','HCALCS','PPMID')),
  manufacturer TEXT NOT NULL,
  model TEXT NOT NULL,
  firmware_version TEXT,
  import_mpxn TEXT,
  chf_id TEXT REFERENCES devices(device_id),
  gpf_id TEXT REFERENCES devices(device_id),
  meter_id TEXT REFERENCES devices(device_id),
  non_domestic INTEGER NOT NULL DEFAULT 0 CHECK (non_domestic IN (0, 1)),
  supplier_id TEXT,
  smi_status TEXT NOT NULL CHECK (smi_status IN ${SMI_STATUSES_SQL}),
  status_since INTEGER NOT NULL,
  previous_status TEXT CHECK (previous_status IS NULL OR previous_status IN ${SMI_STATUSES_SQL}),
  date_commissioned INTEGER
) STRICT;
CREATE INDEX devices_status ON devices(smi_status);
CREATE INDEX devices_model ON devices(manufacturer, model);
CREATE INDEX devices_chf ON devices(chf_id);
CREATE INDEX devices_gpf ON devices(gpf_id);
CREATE INDEX devices_meter ON devices(meter_id);
CREATE TABLE smi_history (
  seq INTEGER PRIMARY KEY,
  device_id TEXT NOT NULL REFERENCES devices(device_id) ON DELETE CASCADE,
  at INTEGER NOT NULL,
  event TEXT NOT NULL,
  from_status TEXT CHECK (from_status IS NULL OR from_status IN ${SMI_STATUSES_SQL}),
  to_status TEXT NOT NULL CHECK (to_status IN ${SMI_STATUSES_SQL}),
  srv TEXT,
  details TEXT
) STRICT;
CREATE INDEX smi_history_device ON smi_history(device_id, seq);
CREATE TABLE dcc_alerts (
  seq INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  alert TEXT NOT NULL,
  device_id TEXT NOT NULL,
  details TEXT
) STRICT;
`,
  },
  {
    version: 2,
    name: 'Communications Hub lifecycle: hubs, their history and charges, WAN coverage, estate simulation',
    sql: `
CREATE TABLE ch_hubs (
  hub_id TEXT PRIMARY KEY CHECK (length(hub_id) = 16 AND hub_id NOT GLOB '*[^0-9a-f]*'),
  gpf_id TEXT NOT NULL UNIQUE CHECK (length(gpf_id) = 16 AND gpf_id NOT GLOB '*[^0-9a-f]*'),
  region TEXT NOT NULL CHECK (region IN ('North','Central','South')),
  wan_variant TEXT NOT NULL,
  han_variant TEXT NOT NULL CHECK (han_variant IN ('Single Band','Dual Band')),
  state TEXT NOT NULL CHECK (state IN ${CH_STATES_SQL}),
  state_since INTEGER NOT NULL,
  ordered_at INTEGER NOT NULL,
  accept_deadline INTEGER,
  uprn TEXT,
  leave_deadline INTEGER,
  return_kind TEXT CHECK (return_kind IS NULL OR return_kind IN ('fault','noFault')),
  return_reason TEXT,
  return_deadline INTEGER,
  installation_end INTEGER,
  diagnosis TEXT,
  responsibility TEXT,
  charges_pence INTEGER NOT NULL DEFAULT 0 CHECK (charges_pence >= 0)
) STRICT;
CREATE INDEX ch_hubs_state ON ch_hubs(state);
CREATE TABLE ch_history (
  seq INTEGER PRIMARY KEY,
  hub_id TEXT NOT NULL REFERENCES ch_hubs(hub_id),
  at INTEGER NOT NULL,
  event TEXT NOT NULL,
  from_state TEXT CHECK (from_state IS NULL OR from_state IN ${CH_STATES_SQL}),
  to_state TEXT NOT NULL CHECK (to_state IN ${CH_STATES_SQL}),
  charge_pence INTEGER NOT NULL DEFAULT 0 CHECK (charge_pence >= 0),
  charge_kind TEXT,
  payer TEXT CHECK (payer IS NULL OR payer IN ('Supplier','DCC')),
  details TEXT
) STRICT;
CREATE INDEX ch_history_hub ON ch_history(hub_id, seq);
CREATE TABLE wan_coverage (
  uprn TEXT PRIMARY KEY,
  sm_wan_available INTEGER NOT NULL CHECK (sm_wan_available IN (0, 1)),
  wan_variant TEXT
) STRICT;
CREATE TABLE ch_simulation (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  params TEXT NOT NULL,
  next_day INTEGER NOT NULL,
  rng_state TEXT NOT NULL,
  finished INTEGER NOT NULL DEFAULT 0 CHECK (finished IN (0, 1))
) STRICT;
CREATE TABLE ch_sim_plan (
  hub_id TEXT PRIMARY KEY REFERENCES ch_hubs(hub_id),
  idx INTEGER NOT NULL UNIQUE,
  next_day INTEGER,
  next_event TEXT,
  next_params TEXT
) STRICT;
CREATE INDEX ch_sim_plan_due ON ch_sim_plan(next_day, idx);
`,
  },
  {
    version: 3,
    name: 'SMKI Recovery: incidents and their events, Key Custodians, per-device progress, the DCC register of device cells, key generations, counters, revocations, recovery files, drills',
    sql: `
CREATE TABLE recovery_incidents (
  incident_id INTEGER PRIMARY KEY,
  compromised_key TEXT NOT NULL,
  evidence TEXT,
  state TEXT NOT NULL CHECK (state IN ${INCIDENT_STATES_SQL}),
  outcome TEXT CHECK (outcome IS NULL OR outcome IN ('NoCompromise','Recovered')),
  method TEXT CHECK (method IS NULL OR method IN ('1','2','3','contingency')),
  recovery_case TEXT CHECK (recovery_case IS NULL OR recovery_case IN ('R1','R2','R3','R4','R5','R6','R7')),
  reported_at INTEGER NOT NULL,
  state_since INTEGER NOT NULL,
  plan TEXT
) STRICT;
CREATE TABLE recovery_events (
  seq INTEGER PRIMARY KEY,
  incident_id INTEGER NOT NULL REFERENCES recovery_incidents(incident_id),
  at INTEGER NOT NULL,
  event TEXT NOT NULL,
  from_state TEXT CHECK (from_state IS NULL OR from_state IN ${INCIDENT_STATES_SQL}),
  to_state TEXT NOT NULL CHECK (to_state IN ${INCIDENT_STATES_SQL}),
  details TEXT
) STRICT;
CREATE INDEX recovery_events_incident ON recovery_events(incident_id, seq);
CREATE TABLE recovery_key_custodians (
  name TEXT PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 64),
  appointed_at INTEGER NOT NULL
) STRICT;
CREATE TABLE recovery_approvals (
  incident_id INTEGER NOT NULL REFERENCES recovery_incidents(incident_id),
  custodian TEXT NOT NULL REFERENCES recovery_key_custodians(name),
  at INTEGER NOT NULL,
  PRIMARY KEY (incident_id, custodian)
) STRICT;
CREATE TABLE recovery_devices (
  incident_id INTEGER NOT NULL REFERENCES recovery_incidents(incident_id),
  device_id TEXT NOT NULL,
  device_type TEXT NOT NULL,
  premises INTEGER,
  step INTEGER NOT NULL DEFAULT 0 CHECK (step >= 0),
  status TEXT NOT NULL CHECK (status IN ('pending','inFlight','recovered','failed')),
  attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  last_reason TEXT,
  probe TEXT,
  half_replaced INTEGER CHECK (half_replaced IS NULL OR half_replaced IN (0, 1)),
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (incident_id, device_id)
) STRICT;
CREATE INDEX recovery_devices_status ON recovery_devices(incident_id, status, premises);
CREATE TABLE dcc_device_cells (
  device_id TEXT NOT NULL REFERENCES devices(device_id) ON DELETE CASCADE,
  role INTEGER NOT NULL CHECK (role BETWEEN 0 AND 127),
  usage TEXT NOT NULL CHECK (usage IN ('ds','ka')),
  cell TEXT NOT NULL CHECK (cell IN ('management','prepayment')),
  subject_eui TEXT NOT NULL CHECK (length(subject_eui) = 16),
  key_id TEXT NOT NULL CHECK (length(key_id) = 16),
  PRIMARY KEY (device_id, role, usage, cell)
) STRICT;
CREATE INDEX dcc_device_cells_key ON dcc_device_cells(key_id, role);
CREATE TABLE dcc_key_ring (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  state TEXT NOT NULL
) STRICT;
CREATE TABLE dcc_counters (
  originator TEXT PRIMARY KEY CHECK (length(originator) = 16),
  reserved TEXT NOT NULL
) STRICT;
CREATE TABLE smki_revocations (
  serial TEXT PRIMARY KEY,
  incident_id INTEGER REFERENCES recovery_incidents(incident_id),
  at INTEGER NOT NULL,
  reason TEXT NOT NULL,
  subject TEXT NOT NULL
) STRICT;
CREATE TABLE recovery_files (
  incident_id INTEGER NOT NULL REFERENCES recovery_incidents(incident_id),
  name TEXT NOT NULL,
  at INTEGER NOT NULL,
  content TEXT NOT NULL,
  PRIMARY KEY (incident_id, name)
) STRICT;
CREATE TABLE recovery_estate (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  params TEXT NOT NULL,
  phase TEXT NOT NULL CHECK (phase IN ('building','incident','done')),
  next_premises INTEGER NOT NULL DEFAULT 0,
  incident_id INTEGER REFERENCES recovery_incidents(incident_id),
  summary TEXT
) STRICT;
`,
  },
  {
    version: 4,
    name: "The DCC's copies of the HAN Device Logs (CHF from CS14, GPF from GCS62), for CCS03 / GCS59 restore",
    sql: `
CREATE TABLE han_device_log_copies (
  device_id TEXT PRIMARY KEY CHECK (length(device_id) = 16 AND device_id NOT GLOB '*[^0-9a-f]*'),
  kind TEXT NOT NULL CHECK (kind IN ('CHF','GPF')),
  at INTEGER NOT NULL,
  entries TEXT NOT NULL
) STRICT;
`,
  },
  {
    // Self-contained (one new table, nothing else touched), so it can be renumbered at a merge.
    version: 5,
    name: 'DUIS outbox (signed DUIS messages waiting for the user callback) and Request ID counter floors (sim/store/duis-outbox.ts)',
    sql: `
CREATE TABLE duis_outbox (
  id INTEGER PRIMARY KEY,
  created_at INTEGER NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('response','device-alert','dcc-alert')),
  request_id TEXT,
  body TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  next_attempt_at INTEGER NOT NULL,
  last_error TEXT,
  delivered_at INTEGER
) STRICT;
CREATE INDEX duis_outbox_due ON duis_outbox(delivered_at, next_attempt_at, id);
CREATE TABLE duis_request_counters (
  originator TEXT PRIMARY KEY CHECK (length(originator) = 16 AND originator NOT GLOB '*[^0-9a-f]*'),
  last_counter TEXT NOT NULL CHECK (last_counter NOT GLOB '*[^0-9]*')
) STRICT;
`,
  },
];

/** The schema version this code writes. */
export const SCHEMA_VERSION = MIGRATIONS.at(-1)!.version;
