/**
 * `gbcs-sim simulate`: a commissioned premises lives through N virtual days (issue 3, Done-when).
 *
 * The premises of sim/premises/premises.ts (CHF, GPF, ESME, GSME) under the test key set. At the start the
 * Supplier puts the ESME into prepayment mode with a real ECS03 (signed, MAC'd by the ACB, answered
 * with a device-signed response); the meter starts with the credit it was commissioned with. Then
 * the Scheduler (sim/device/scheduler.ts) moves a VirtualClock through the days, catching the ESME up
 * every accrual step (2 hours by default; the meter records every half hour regardless):
 *
 * - the ESME accrues each half hour (sim/models/esme/consumption.ts `advanceEsme`, driven by the
 *   run's seeded stream, sim/models/common/consumption.ts): registers, the half-hour profile, the daily read log
 *   at midnight, the billing data log on the billing calendar, prepayment charges, supply
 *   disablement when credit runs out, power outages, voltage sags and swells;
 * - what the ESME logged becomes alerts (sim/device/alerts.ts) as the meter's alert behaviours send them:
 *   low credit, emergency credit available, credit below the disablement threshold, supply armed,
 *   credit added, … to the Supplier; outages of 3 minutes or more (ECS80) and voltage quality to
 *   the Network Operator; a billing data log entry (ECS68, encrypted); every alert is verified by
 *   the head-end (signature or MAC);
 * - when the supply has been disabled for lack of credit, the consumer buys a top-up a few hours
 *   later: the Supplier issues a UTRN (protocol/utrn.ts, its prepayment-top-up key) and applies it
 *   with CS01a; the credit returns, the supply is armed and the consumer restores it;
 * - the GSME's registers, profile and daily log run on its own (sim/models/gsme/gsme.ts `tickGsme`),
 *   its gas drawn from the run's seed (the model's generator seed, from its own seeded stream); it
 *   is a prepayment meter too: when its credit runs out the valve closes, the consumer buys a gas
 *   top-up a few hours later (a UTRN applied with CS01b, queued in the GPF until the GSME wakes)
 *   and opens the armed valve again.
 *
 * Deterministic from the seed; library only (the CLI in bin/commands/simulate.ts prints).
 */

import { fromHex } from '../protocol/bytes.ts';
import type { GbcsCrypto } from '../protocol/crypto/index.ts';
import { encodeDlmsApdu } from '../protocol/dlms/apdu.ts';
import { encodeGbzCommands } from '../protocol/gbz/gbz.ts';
import type { Eui64 } from '../protocol/types.ts';
import { generateUtrn, PtutValueClass } from '../protocol/utrn.ts';
import {
  type AlertRecipient,
  billingDataLogUpdated,
  powerFailed,
  powerRestored,
  type RaisedAlert,
  raiseAlert,
  ZIGBEE_EPOCH_MS,
} from '../sim/device/alerts.ts';
import type { CommandOutcome, Device } from '../sim/device/device.ts';
import { profileStatistics, type Rng, seededRng } from '../sim/models/common/consumption.ts';
import { adjustMeterBalance, advanceEsme, SNAPSHOT } from '../sim/models/esme/consumption.ts';
import { ensureEsmeModel } from '../sim/models/esme/esme.ts';
import type { EsmeModel } from '../sim/models/esme/state.ts';
import { restoreGsmeSupply, tickGsme } from '../sim/models/gsme/gsme.ts';
import { availableCredit, type GsmeModel, isPrepaymentMode, SupplyStatus } from '../sim/models/gsme/state.ts';
// CS01a is the UTRN model's; make sure its handler is registered.
import '../sim/models/common/utrn-topup.ts';
import { MS_PER_DAY as DAY_MS } from '../protocol/calendar.ts';
import { Scheduler } from '../sim/device/scheduler.ts';
import { partyEui } from '../sim/head-end/scenario.ts';
import { DEFAULT_PREMISES } from '../sim/premises/premises.ts';
import { createTestBed, type TestBed } from '../sim/premises/test-bed.ts';
import type { TestKeys } from '../sim/smki/test-pki.ts';

const HALF_HOUR_MS = 1_800_000;
/** ESME and GSME money unit: 10^-5 of the currency unit (GBCS currency scaler −5); 1 penny = 1000. */
const PENNY = 1000;

export interface SimulateOptions {
  /** Virtual days to run (1–366). */
  days: number;
  /** Seed of the test PKI, the premises and the consumption. */
  seed: string;
  crypto: GbcsCrypto;
  /**
   * Start (ms since the epoch, midnight UTC). Default 2026-01-05T00:00Z, a winter Monday. The run
   * must lie within SIMULATE_EARLIEST_MS … SIMULATE_LATEST_MS.
   */
  startMs?: number;
  /** What one top-up buys, in pounds (1–8191). Default 30. */
  topUpPounds?: number;
  /**
   * How often the run catches the ESME up with the clock (a whole number of half hours). The meter
   * records every half hour whatever the step (profiles, logs and alert times are per half hour);
   * the step is when the consumer can notice and act. Default 2 hours.
   */
  accrualStepMs?: number;
  /** Called at the end of each virtual day. */
  onDay?: (d: DayReport) => void;
}

export interface DayReport {
  day: number;
  /** `YYYY-MM-DD` (UTC). */
  date: string;
  importKWh: number;
  exportKWh: number;
  /** ESME meter balance at the end of the day, pence. */
  balancePence: number;
  supply: 'enabled' | 'disabled' | 'armed';
  /** Alerts raised during the day. */
  alerts: number;
  topUps: number;
}

export interface SimulationSummary {
  days: number;
  virtualMs: number;
  seed: string;
  /** Half-hour profile entries and daily read log entries the ESME recorded during the run. */
  halfHourProfiles: number;
  dailyReads: number;
  billingSnapshots: number;
  /**
   * The GSME (sleepy, battery powered) over the same days: its half-hour profile and daily log, the
   * gas it let through, and its prepayment credit (valve closures for lack of credit, UTRN top-ups
   * by CS01b, the consumer opening the armed valve again).
   */
  gas: {
    halfHourProfiles: number;
    dailyReads: number;
    volumeM3: number;
    prepayment: PrepaymentSummary;
  };
  importKWh: number;
  meanDailyKWh: number;
  /** Half hour of the day (0–47, UTC) with the highest mean import. */
  peakHalfHour: number;
  alerts: {
    total: number;
    /** Whose signature or MAC the head-end verified. */
    verified: number;
    /** Count per Message Code (`0x1000`) and per alert code (`0x8f0f`). */
    byMessageCode: Record<string, number>;
    byAlertCode: Record<string, number>;
  };
  commands: { sent: number; accepted: number; verified: number };
  prepayment: PrepaymentSummary;
}

export interface PrepaymentSummary {
  startPence: number;
  minPence: number;
  endPence: number;
  /** The credit reached zero at some point. */
  creditExhausted: boolean;
  /** The supply was disabled for lack of credit, and how often it came back. */
  disablements: number;
  restorations: number;
  topUps: number;
  topUpPence: number;
}

export interface SimulationResult {
  days: DayReport[];
  summary: SimulationSummary;
  alerts: RaisedAlert[];
}

/** Alert behaviours of the simulated ESME: logged events sent as alerts, and to whom. */
const SENT_EVENTS: ReadonlyMap<number, AlertRecipient> = new Map<number, AlertRecipient>([
  [0x810d, 'supplier'], // combined credit below low credit threshold
  [0x8119, 'supplier'], // emergency credit has become available
  [0x81ab, 'supplier'], // emergency credit activated
  [0x81aa, 'supplier'], // emergency credit exhausted
  [0x8f0f, 'supplier'], // credit below disablement threshold: supply disabled
  [0x8f32, 'supplier'], // supply armed
  [0x810e, 'supplier'], // credit added
  [0x8f01, 'supplier'], // active power import above load limit threshold
  [0x8f33, 'supplier'], // supply disabled then armed: load limit
  [0x8f34, 'supplier'], // supply enabled after load limit restoration period
  [0x81a7, 'supplier'], // debt collection completed: time debt 1
  [0x81a8, 'supplier'], // … time debt 2
  [0x81a9, 'supplier'], // … payment debt
]);

/** Voltage quality alerts (sag 0x802C–0x802F, swell 0x8024–0x8027) go to the Network Operator. */
const isVoltageQuality = (code: number): boolean =>
  (code >= 0x802c && code <= 0x802f) || (code >= 0x8024 && code <= 0x8027);

const isoDate = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** Rows appended to a capped list since `last` (identity of the last row seen). */
function newRows<T>(list: readonly T[], last: T | undefined): T[] {
  if (last === undefined) return [...list];
  const i = list.lastIndexOf(last);
  return i < 0 ? [...list] : list.slice(i + 1);
}

const liiap = (counter: bigint): number => (0x20000000 | Number(counter & 0xffffffn)) >>> 0;

/**
 * ECS03 "Set ESME Payment Mode to Prepayment", effective now: the passive account mode
 * {prepayment, …} (Account 0-1:19.0.0 attribute 2) and its activation time "now" (attribute 13).
 */
export function prepaymentModePayload(counter: bigint): Uint8Array {
  const account = fromHex('0001130000ff');
  return encodeDlmsApdu({
    type: 'access-request',
    longInvokeIdAndPriority: liiap(counter),
    dateTime: null,
    specifications: [
      { type: 'set', attribute: { classId: 111, instanceId: account, attributeId: 2 } },
      { type: 'set', attribute: { classId: 111, instanceId: account, attributeId: 13 } },
    ],
    data: [
      {
        type: 'structure',
        value: [
          { type: 'enum', value: 2 },
          { type: 'enum', value: 1 },
        ],
      },
      { type: 'octet-string', value: new Uint8Array(12) },
    ],
  });
}

/** CS01a: action `enter` (1) of the Token Gateway (class 115, 0-0:19.40.0.255) with the UTRN's 20 digits. */
export function topUpPayload(utrn: string): (counter: bigint) => Uint8Array {
  return (counter) =>
    encodeDlmsApdu({
      type: 'access-request',
      longInvokeIdAndPriority: liiap(counter),
      dateTime: null,
      specifications: [
        { type: 'action', method: { classId: 115, instanceId: fromHex('0000132800ff'), methodId: 1 } },
      ],
      data: [{ type: 'octet-string', value: new TextEncoder().encode(utrn) }],
    });
}

/**
 * CS01b: a ZSE Consumer Top Up (Prepayment cluster 0x0705, command 0x04) from the head-end
 * (originating device 0) with the UTRN's 20 digits.
 */
export function gasTopUpPayload(utrn: string): (counter: bigint) => Uint8Array {
  const code = new TextEncoder().encode(utrn);
  const payload = encodeGbzCommands([
    {
      clusterId: 0x0705,
      frameControl: 0x01,
      commandId: 0x04,
      zcl: Uint8Array.of(0x00, code.length, ...code),
    },
  ]);
  return () => payload;
}

/** The Supplier's side of UTRN top-ups: its prepayment-top-up key and its top-up counter. */
class UtrnIssuer {
  private counter = 0n;
  private readonly keys: TestKeys;
  private readonly crypto: GbcsCrypto;
  readonly supplierId: Eui64;

  constructor(keys: TestKeys, crypto: GbcsCrypto, supplierId: Eui64) {
    this.keys = keys;
    this.crypto = crypto;
    this.supplierId = supplierId;
  }

  /** A UTRN worth `pounds` for `device` (GBCS §14: counter bits 41..32 travel, low 32 bits zero). */
  issue(device: Eui64, pounds: number): string {
    this.counter += 1n << 32n;
    const z = this.crypto.ecdh(
      this.keys.privateKey(this.supplierId, 'ka', 'prepayment'),
      this.keys.publicKey(device, 'ka'),
    );
    return generateUtrn(
      { crypto: this.crypto, z, supplierId: this.supplierId, deviceId: device },
      { counter: this.counter, value: pounds, valueClass: PtutValueClass.POUNDS },
    ).utrn;
  }
}

/**
 * The span a run may cover: the GSME and the alerts count ZigBee UTCTime (ZSE: uint32 seconds
 * from 2000-01-01T00:00Z, FFFFFFFE/FFFFFFFF reserved), the narrowest clock of the premises — so
 * 2000-01-01T00:00:00Z to 2136-02-07T06:28:13Z. (DLMS date-times reach 65534, GeneralizedTime 9999.)
 */
export const SIMULATE_EARLIEST_MS = ZIGBEE_EPOCH_MS;
export const SIMULATE_LATEST_MS = ZIGBEE_EPOCH_MS + 0xfffffffd * 1000;

/**
 * The options checked, with defaults.
 * @throws RangeError as `simulate` documents.
 */
function checkedOptions(opts: SimulateOptions): { pounds: number; step: number; start: number } {
  if (!Number.isInteger(opts.days) || opts.days < 1 || opts.days > 366)
    throw new RangeError('days: 1 to 366');
  const pounds = opts.topUpPounds ?? 30;
  if (!Number.isInteger(pounds) || pounds < 1 || pounds > 8191)
    throw new RangeError('top-up: 1 to 8191 pounds');
  const step = opts.accrualStepMs ?? 2 * 3_600_000;
  if (!(step >= HALF_HOUR_MS && step <= DAY_MS && step % HALF_HOUR_MS === 0 && DAY_MS % step === 0))
    throw new RangeError('accrual step: a whole number of half hours dividing a day');
  const start = opts.startMs ?? Date.UTC(2026, 0, 5);
  if (
    !Number.isSafeInteger(start) ||
    start < SIMULATE_EARLIEST_MS ||
    start + opts.days * DAY_MS > SIMULATE_LATEST_MS
  )
    throw new RangeError(
      `start: the run must lie within ${new Date(SIMULATE_EARLIEST_MS).toISOString()} … ${new Date(SIMULATE_LATEST_MS).toISOString()} (ZigBee UTCTime)`,
    );
  return { pounds, step, start };
}

/**
 * Runs the premises for `opts.days` virtual days.
 * @throws RangeError for days outside 1–366, a start that is not a whole millisecond or puts the
 *   run outside SIMULATE_EARLIEST_MS … SIMULATE_LATEST_MS, a top-up outside 1–8191 pounds, or an
 *   accrual step that is not a whole number of half hours dividing a day.
 */
export function simulate(opts: SimulateOptions): SimulationResult {
  const checked = checkedOptions(opts);
  const run = new SimulationRun(opts, checked.pounds, checked.start);
  run.commission();
  run.schedule(checked.step);
  run.advance();
  return run.result();
}

/** The consumer's electricity side: the ESME's credit, supply and top-ups as the run sees them. */
interface ElectricityTrack {
  startBalance: number;
  minBalance: number;
  supplyState: number;
  disablements: number;
  restorations: number;
  topUps: number;
  topUpPence: number;
  topUpPending: boolean;
}

/** The gas side: the GSME's credit, valve and top-ups. */
interface GasTrack {
  start: number;
  startCredit: number;
  minCredit: number;
  valve: number;
  disablements: number;
  restorations: number;
  topUps: number;
  topUpPence: number;
  topUpPending: boolean;
}

/** One simulation: the test bed, the two meters' models, what the head-end sent and received. */
class SimulationRun {
  private readonly opts: SimulateOptions;
  private readonly pounds: number;
  private readonly start: number;
  private readonly clock: TestBed['clock'];
  private readonly premises: TestBed['premises'];
  private readonly headEnd: TestBed['headEnd'];
  private readonly supplier: Eui64;
  private readonly esme: Device;
  private readonly gsme: Device;
  private readonly issuer: UtrnIssuer;
  private readonly consumption: Rng;
  private readonly behaviour: Rng;
  private readonly gasSeed: number;
  private readonly gasBehaviour: Rng;
  private readonly scheduler: Scheduler;
  private readonly alerts: RaisedAlert[] = [];
  private readonly commands = { sent: 0, accepted: 0, verified: 0 };
  private readonly days: DayReport[] = [];
  private verifiedAlerts = 0;
  private model!: EsmeModel;
  private gasModel!: GsmeModel;
  private power!: ElectricityTrack;
  private gasTrack!: GasTrack;
  private lastEvent: number[] | undefined;
  private lastPower: number[] | undefined;
  private lastBilling: number[] | undefined;

  constructor(opts: SimulateOptions, pounds: number, start: number) {
    this.opts = opts;
    this.pounds = pounds;
    this.start = start;
    const { clock, keys, premises, headEnd } = createTestBed({ seed: opts.seed, crypto: opts.crypto, start });
    this.clock = clock;
    this.premises = premises;
    this.headEnd = headEnd;
    this.supplier = partyEui('supplier');
    this.esme = premises.devices.get(DEFAULT_PREMISES.esme)!;
    this.gsme = premises.devices.get(DEFAULT_PREMISES.gsme)!;
    this.issuer = new UtrnIssuer(keys, opts.crypto, this.supplier);
    this.consumption = seededRng(opts.seed, `consumption/${this.esme.eui}`);
    this.behaviour = seededRng(opts.seed, 'consumer');
    // The gas side draws from streams of its own, so the electricity of a seed is what it was.
    this.gasSeed = Math.floor(seededRng(opts.seed, `consumption/${this.gsme.eui}`)() * 0x100000000);
    this.gasBehaviour = seededRng(opts.seed, 'consumer/gas');
    this.scheduler = new Scheduler(clock, () => premises.devices.values());
  }

  private collect(raised: readonly RaisedAlert[]): void {
    for (const a of raised) {
      this.alerts.push(a);
      const v = this.headEnd.verify(a.bytes);
      if (a.signed ? v.signature === 'valid' : v.mac === 'valid') this.verifiedAlerts++;
    }
  }

  /** A Supplier command through the CHF; the GSME's waits in the GPF until it wakes (at once, here). */
  private send(dev: Device, messageCode: number, payload: (c: bigint) => Uint8Array): CommandOutcome | null {
    const built = this.headEnd.buildCommand({
      originatorId: this.supplier,
      recipientId: dev.eui,
      messageCode,
      payload,
    });
    this.commands.sent++;
    const sub = this.premises.submit(built.bytes);
    const out =
      sub.status === 'answered' || sub.status === 'undeliverable'
        ? sub.outcome
        : (this.premises.gsmeWake().at(-1) ?? null);
    if (!out?.accepted) return out;
    this.commands.accepted++;
    if (this.headEnd.checkResponse(built.header, out.response).ok) this.commands.verified++;
    this.collect(out.alerts ?? []);
    return out;
  }

  /** Commissioning: prepayment mode, effective now; the two meters' starting points. */
  commission(): void {
    this.send(this.esme, 0x001b, prepaymentModePayload);
    const model = ensureEsmeModel(this.esme.state, this.clock.now());
    const gasModel = tickGsme(this.gsme, undefined, { seed: this.gasSeed });
    this.model = model;
    this.gasModel = gasModel;
    this.gasTrack = {
      start: gasModel.metering.currentSummationDelivered,
      startCredit: gasModel.prepayment.creditRemaining,
      minCredit: gasModel.prepayment.creditRemaining,
      valve: gasModel.metering.supplyStatus,
      disablements: 0,
      restorations: 0,
      topUps: 0,
      topUpPence: 0,
      topUpPending: false,
    };
    this.power = {
      startBalance: model.prepayment.meterBalance,
      minBalance: model.prepayment.meterBalance,
      supplyState: model.supply.controlState,
      disablements: 0,
      restorations: 0,
      topUps: 0,
      topUpPence: 0,
      topUpPending: false,
    };
    this.lastEvent = model.logs.event.at(-1);
    this.lastPower = model.logs.power.at(-1);
    this.lastBilling = model.buffers.billing.at(-1);
  }

  /** ESME log entries since the last look → alerts, as the alert behaviours send them. */
  private alertsFromLogs(): void {
    const { model, esme } = this;
    const events = newRows(model.logs.event, this.lastEvent);
    this.lastEvent = model.logs.event.at(-1);
    const power = newRows(model.logs.power, this.lastPower);
    this.lastPower = model.logs.power.at(-1);
    for (const [t, code] of power) {
      if (t === undefined || code === undefined) continue;
      if (code === 0x8f57) powerFailed(esme, t);
      else if (code === 0x8f35 || code === 0x8f36) this.collect(powerRestored(esme, t));
      else if (isVoltageQuality(code))
        this.collect([raiseAlert(esme, { alertCode: code, at: t, recipient: 'network-operator' })]);
    }
    for (const [t, code] of events) {
      if (t === undefined || code === undefined) continue;
      const to = SENT_EVENTS.get(code);
      if (to) this.collect([raiseAlert(esme, { alertCode: code, at: t, recipient: to })]);
    }
    for (const row of newRows(model.buffers.billing, this.lastBilling))
      this.collect([billingDataLogUpdated(esme, billingSnapshotOf(row))]);
    this.lastBilling = model.buffers.billing.at(-1);
  }

  private topUp(): void {
    const p = this.power;
    p.topUpPending = false;
    const out = this.send(this.esme, 0x0007, topUpPayload(this.issuer.issue(this.esme.eui, this.pounds)));
    if (out?.accepted) {
      p.topUps++;
      p.topUpPence += this.pounds * 100;
      // The meter re-evaluates its balance on a credit: a supply disabled for lack of credit is
      // armed once credit is back above the disablement threshold (the consumer then restores it).
      if (this.model.supply.controlState === 0 && this.model.supply.cause === 'credit')
        adjustMeterBalance(this.model, this.clock.now(), 0);
    }
    this.alertsFromLogs();
  }

  private trackSupply(): void {
    const { model, power: p } = this;
    const s = model.supply.controlState;
    if (s !== p.supplyState) {
      if (s === 0 && model.supply.cause === 'credit') p.disablements++;
      if (s === 1 && p.supplyState !== 1) p.restorations++;
      p.supplyState = s;
    }
    p.minBalance = Math.min(p.minBalance, model.prepayment.meterBalance);
    if (s === 0 && model.supply.cause === 'credit' && !p.topUpPending) {
      // The consumer notices and buys a top-up within a few hours.
      p.topUpPending = true;
      this.scheduler.at(this.clock.now() + Math.round((1 + 5 * this.behaviour()) * 3_600_000), () => {
        this.topUp();
        this.trackSupply();
      });
    }
  }

  /** The gas valve closed for lack of credit (prepayment mode, credit at or below the cut-off). */
  private gasOffForCredit(): boolean {
    const g = this.gasModel;
    return (
      g.metering.supplyStatus === SupplyStatus.OFF &&
      isPrepaymentMode(g.prepayment.paymentControlConfiguration) &&
      availableCredit(g) <= g.prepayment.cutOffValue
    );
  }

  private gasTopUp(): void {
    const g = this.gasTrack;
    g.topUpPending = false;
    const out = this.send(this.gsme, 0x0097, gasTopUpPayload(this.issuer.issue(this.gsme.eui, this.pounds)));
    if (out?.accepted) {
      g.topUps++;
      g.topUpPence += this.pounds * 100;
      // Credit back above the cut-off arms the valve; the consumer opens it at the meter.
      restoreGsmeSupply(this.gsme);
    }
  }

  private trackGas(): void {
    const g = this.gasTrack;
    const s = this.gasModel.metering.supplyStatus;
    if (s !== g.valve) {
      if (s === SupplyStatus.OFF && this.gasOffForCredit()) g.disablements++;
      if (s === SupplyStatus.ON) g.restorations++;
      g.valve = s;
    }
    g.minCredit = Math.min(g.minCredit, this.gasModel.prepayment.creditRemaining);
    if (this.gasOffForCredit() && !g.topUpPending) {
      g.topUpPending = true;
      this.scheduler.at(this.clock.now() + Math.round((1 + 5 * this.gasBehaviour()) * 3_600_000), () => {
        this.gasTopUp();
        this.trackGas();
      });
    }
  }

  /** The timed work: accrual every `step`, a report every day. */
  schedule(step: number): void {
    const { model, start } = this;
    let dayImport = model.registers.importWh;
    let dayExport = model.registers.exportWh;
    let dayAlerts = 0;
    let dayTopUps = 0;
    this.scheduler.every(
      step,
      (now) => {
        advanceEsme(model, now, this.consumption);
        this.alertsFromLogs();
        this.trackSupply();
        // The GSME's registers run whether or not anyone talks to it (its own generator).
        tickGsme(this.gsme);
        this.trackGas();
      },
      start + step,
    );
    this.scheduler.every(
      DAY_MS,
      (now) => {
        const report: DayReport = {
          day: this.days.length + 1,
          date: isoDate(now - DAY_MS),
          importKWh: Math.round(model.registers.importWh - dayImport) / 1000,
          exportKWh: Math.round(model.registers.exportWh - dayExport) / 1000,
          balancePence: Math.floor(model.prepayment.meterBalance / PENNY),
          supply:
            model.supply.controlState === 1
              ? 'enabled'
              : model.supply.controlState === 2
                ? 'armed'
                : 'disabled',
          alerts: this.alerts.length - dayAlerts,
          topUps: this.power.topUps - dayTopUps,
        };
        this.days.push(report);
        this.opts.onDay?.(report);
        dayImport = model.registers.importWh;
        dayExport = model.registers.exportWh;
        dayAlerts = this.alerts.length;
        dayTopUps = this.power.topUps;
      },
      start + DAY_MS,
    );
  }

  advance(): void {
    this.collect(this.scheduler.advanceTo(this.start + this.opts.days * DAY_MS));
  }

  private alertCounts(): SimulationSummary['alerts'] {
    const byMessageCode: Record<string, number> = {};
    const byAlertCode: Record<string, number> = {};
    for (const a of this.alerts) {
      const mc = `0x${a.messageCode.toString(16).padStart(4, '0')}`;
      const ac = `0x${a.alertCode.toString(16).padStart(4, '0')}`;
      byMessageCode[mc] = (byMessageCode[mc] ?? 0) + 1;
      byAlertCode[ac] = (byAlertCode[ac] ?? 0) + 1;
    }
    return { total: this.alerts.length, verified: this.verifiedAlerts, byMessageCode, byAlertCode };
  }

  private gasSummary(): SimulationSummary['gas'] {
    const { start, clock, gasTrack: g } = this;
    const gas = tickGsme(this.gsme);
    // One profile entry a half hour; the log keeps 3 months, so count from its last entry's time.
    const gasProfiles = Math.max(
      0,
      Math.round(
        (gas.logs.profileStart + (gas.logs.profile.length - 1) * HALF_HOUR_MS - start) / HALF_HOUR_MS,
      ),
    );
    return {
      halfHourProfiles: gasProfiles,
      dailyReads: gas.logs.daily.filter((d) => d.time > start && d.time <= clock.now()).length,
      // Volume in 0.001 m³.
      volumeM3: Math.round(gas.metering.currentSummationDelivered - g.start) / 1000,
      prepayment: prepaymentSummary(g.startCredit, g.minCredit, gas.prepayment.creditRemaining, g),
    };
  }

  result(): SimulationResult {
    const { model, start, clock, power: p } = this;
    const gas = this.gasSummary();
    const inRun = (rows: number[][], from: number, to: number) =>
      rows.filter((r) => r[0]! > from && r[0]! <= to);
    const profile = inRun(model.buffers.halfHour, start, clock.now());
    const stats = profileStatistics(profile.map((r) => [r[0]!, r[1]!] as const));
    const summary: SimulationSummary = {
      days: this.opts.days,
      virtualMs: clock.now() - start,
      seed: this.opts.seed,
      halfHourProfiles: profile.length,
      dailyReads: model.buffers.daily.filter((r) => r[0]! >= start && r[0]! < clock.now()).length,
      billingSnapshots: inRun(model.buffers.billing, start - 1, clock.now()).length,
      gas,
      importKWh: Math.round(stats.importKWh * 1000) / 1000,
      meanDailyKWh: Math.round(stats.meanDailyKWh * 1000) / 1000,
      peakHalfHour: stats.peakHalfHour,
      alerts: this.alertCounts(),
      commands: this.commands,
      prepayment: prepaymentSummary(p.startBalance, p.minBalance, model.prepayment.meterBalance, p),
    };
    return { days: this.days, summary, alerts: this.alerts };
  }
}

/** The prepayment part of the summary: credit (10^-5 GBP) at the start, lowest and end, in pence; the counts. */
function prepaymentSummary(
  start: number,
  min: number,
  end: number,
  t: { disablements: number; restorations: number; topUps: number; topUpPence: number },
) {
  return {
    startPence: Math.floor(start / PENNY),
    minPence: Math.floor(min / PENNY),
    endPence: Math.floor(end / PENNY),
    creditExhausted: min <= 0,
    disablements: t.disablements,
    restorations: t.restorations,
    topUps: t.topUps,
    topUpPence: t.topUpPence,
  };
}

/** A billing data log row of the ESME as the BillingDataLogUpdated alert reports it. */
function billingSnapshotOf(row: number[]) {
  return {
    at: row[SNAPSHOT.t]!,
    activeImportWh: row[SNAPSHOT.import]!,
    meterBalance: Math.max(0, row[SNAPSHOT.prepayment]!),
    touRegistersWh: row.slice(SNAPSHOT.tou, SNAPSHOT.tou + 48),
    blockRegistersWh: [0, 1, 2, 3].map((b) =>
      [0, 1, 2, 3, 4, 5, 6, 7].reduce((s, tou) => s + row[SNAPSHOT.blockTou + tou * 4 + b]!, 0),
    ),
    touBlockRegistersWh: [0, 1, 2, 3].map((b) =>
      [0, 1, 2, 3, 4, 5, 6, 7].map((tou) => row[SNAPSHOT.blockTou + tou * 4 + b]!),
    ),
  };
}
