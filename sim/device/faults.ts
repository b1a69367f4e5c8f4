/**
 * Fault injection (no existing tool offers it): per device and use case, make a device answer as a
 * faulty one would — a chosen DLMS data-access-result / action-result, a GBZ/ZCL status, an ASN.1
 * response code, all-ones ("sentinel") register readings, a dropped or delayed response, a corrupted
 * MAC — or replace the response payload outright. Rules are plain data in the device state (so
 * they survive snapshots); `messageCode` absent = every use case. The first matching rule wins.
 *
 * Config file (`--faults FILE`, JSON or YAML): `{ "<device EUI>": [ FaultRule, … ], … }`.
 */
import type { Eui64 } from '../../protocol/types.ts';
import { allUseCases } from '../../protocol/use-case-catalogue.ts';

export type FaultRule =
  /** DLMS access-response: result code per access-request-specification, in order (0 = success). */
  | { kind: 'dlms-results'; messageCode?: number; results: number[] }
  /**
   * GBZ: a ZCL Default Response carrying `status` for `commandId`. The generic model answers every
   * component so; the GSME/GPF models (sim/models/gsme/gbz.ts) fail the command matching
   * `clusterId`, `commandId` and `occurrence` (its 0-based rank among the command's components of
   * that cluster and command id), each optional, and then process no further component;
   * NOT_FOUND (0x8B) makes every matching log read find nothing.
   */
  | {
      kind: 'gbz-default-response';
      messageCode?: number;
      status: number;
      commandId?: number;
      clusterId?: number;
      occurrence?: number;
    }
  /**
   * GBZ Read Attributes Response: every attribute record carries this ZCL status (generic model);
   * the GSME/GPF models fail the record of `attributeId` (of `clusterId`), or the first one.
   */
  | {
      kind: 'gbz-attribute-status';
      messageCode?: number;
      status: number;
      attributeId?: number;
      clusterId?: number;
    }
  /** ASN.1 use cases: the response is the bare response code (e.g. CS02c `02 01 03`). */
  | { kind: 'asn1-status'; messageCode?: number; status: number }
  /** Register readings as all-ones sentinel values (the "no valid reading" convention). */
  | { kind: 'sentinel'; messageCode?: number }
  /** The device executes but sends no response. */
  | { kind: 'drop'; messageCode?: number }
  /** The response leaves after `ms` milliseconds (transports honour it). */
  | { kind: 'delay'; messageCode?: number; ms: number }
  /** The response's MAC (or signature) has its last byte flipped. */
  | { kind: 'corrupt-mac'; messageCode?: number }
  /** The response payload, hex, verbatim. */
  | { kind: 'response-payload'; messageCode?: number; payload: string };

export type FaultKind = FaultRule['kind'];

/** The fields each kind takes besides `kind` and `messageCode` (anything else is a typo). */
const FIELDS: Record<FaultKind, readonly string[]> = {
  'dlms-results': ['results'],
  'gbz-default-response': ['status', 'commandId', 'clusterId', 'occurrence'],
  'gbz-attribute-status': ['status', 'attributeId', 'clusterId'],
  'asn1-status': ['status'],
  sentinel: [],
  drop: [],
  delay: ['ms'],
  'corrupt-mac': [],
  'response-payload': ['payload'],
};

/** The Message Code of a use-case id (`ECS52` → 0x0059), or undefined. */
function messageCodeOfUseCase(id: string): number | undefined {
  // Ambiguous ids (CS02b names ten modes) must be given as numbers.
  const ucs = allUseCases().filter((u) => u.useCase.toLowerCase() === id.toLowerCase());
  return ucs.length === 1 ? ucs[0]!.messageCode : undefined;
}

/** The first rule of `kind` that applies to `messageCode`. */
export function faultFor<K extends FaultKind>(
  rules: readonly FaultRule[] | undefined,
  messageCode: number,
  ...kinds: K[]
): Extract<FaultRule, { kind: K }> | undefined {
  return rules?.find(
    (r) =>
      (kinds as string[]).includes(r.kind) && (r.messageCode === undefined || r.messageCode === messageCode),
  ) as Extract<FaultRule, { kind: K }> | undefined;
}

/** Fault configuration for several devices: EUI → rules. */
export type FaultConfig = Record<Eui64, FaultRule[]>;

const KINDS: readonly FaultKind[] = [
  'dlms-results',
  'gbz-default-response',
  'gbz-attribute-status',
  'asn1-status',
  'sentinel',
  'drop',
  'delay',
  'corrupt-mac',
  'response-payload',
];

/**
 * Validates a fault configuration read from a file.
 * @returns the configuration, or a list of problems (one per bad rule).
 */
export function parseFaultConfig(
  value: unknown,
): { ok: true; config: FaultConfig } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, problems: ['a fault configuration is an object: { "<EUI>": [rules…] }'] };
  }
  const config: FaultConfig = {};
  for (const [eui, rules] of Object.entries(value)) {
    if (!/^[0-9a-fA-F]{16}$/.test(eui)) problems.push(`${eui}: not an EUI-64`);
    if (!Array.isArray(rules)) {
      problems.push(`${eui}: rules must be a list`);
      continue;
    }
    for (const [i, r] of (rules as unknown[]).entries()) {
      const at = `${eui}[${i}]`;
      if (typeof r !== 'object' || r === null) {
        problems.push(`${at}: not an object`);
        continue;
      }
      const o = r as Record<string, unknown>;
      if (!KINDS.includes(o.kind as FaultKind)) {
        problems.push(`${at}: unknown kind ${JSON.stringify(o.kind)}`);
        continue;
      }
      // A Message Code may be given as a number or as its use-case id (ECS52, …), as in scenarios.
      if (typeof o.messageCode === 'string') {
        const code = messageCodeOfUseCase(o.messageCode);
        if (code === undefined)
          problems.push(
            `${at}: messageCode ${JSON.stringify(o.messageCode)} is no use case, or names several (give the number)`,
          );
        else o.messageCode = code;
      } else if (
        o.messageCode !== undefined &&
        !(
          Number.isInteger(o.messageCode) &&
          (o.messageCode as number) >= 0 &&
          (o.messageCode as number) <= 0xffff
        )
      ) {
        problems.push(`${at}: messageCode must be 0..65535 or a use-case id`);
      }
      const allowed = new Set(['kind', 'messageCode', ...(FIELDS[o.kind as FaultKind] ?? [])]);
      for (const k of Object.keys(o))
        if (!allowed.has(k)) problems.push(`${at}: unknown field ${JSON.stringify(k)}`);
      const int = (k: string, max: number) => {
        if (!(Number.isInteger(o[k]) && (o[k] as number) >= 0 && (o[k] as number) <= max))
          problems.push(`${at}: ${k} must be 0..${max}`);
      };
      if (o.kind === 'dlms-results') {
        if (!Array.isArray(o.results) || !o.results.every((x) => Number.isInteger(x) && x >= 0 && x <= 255)) {
          problems.push(`${at}: results must be a list of 0..255`);
        }
      }
      if (o.kind === 'gbz-default-response' || o.kind === 'gbz-attribute-status' || o.kind === 'asn1-status')
        int('status', 255);
      for (const k of ['commandId', 'occurrence'] as const) if (o[k] !== undefined) int(k, 255);
      for (const k of ['clusterId', 'attributeId'] as const) if (o[k] !== undefined) int(k, 0xffff);
      if (o.kind === 'delay') int('ms', 86_400_000);
      if (
        o.kind === 'response-payload' &&
        !(typeof o.payload === 'string' && /^([0-9a-fA-F]{2})+$/.test(o.payload))
      ) {
        problems.push(`${at}: payload must be hex`);
      }
    }
    config[eui.toLowerCase()] = rules as FaultRule[];
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, config };
}
