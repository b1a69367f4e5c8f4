/**
 * GBCS Message Codes and what a device needs to know about each (GBCS Table 13.3; DUIS eligible
 * roles; protection as RTDS 4.5.0 shows it). Rows are generated into use-case-catalogue.data.ts.
 */
import { USE_CASE_ROWS } from './use-case-catalogue.data.ts';

export type DeviceType = 'ESME' | 'GSME' | 'CHF' | 'GPF' | 'PPMID' | 'HCALCS';

export { ROLE_NAMES } from './types.ts';

export interface UseCase {
  messageCode: number;
  /** GBCS use-case id, e.g. `ECS04b`; empty where the table has none. */
  useCase: string;
  title: string;
  /** `critical` commands are signed by the originator and answered with a signed response. */
  kind: 'critical' | 'non-critical' | 'alert' | 'alert-critical';
  /** Whether a command must (`required`), may (`optional`) or does not carry an originator signature. */
  commandSignature: 'required' | 'optional' | 'none';
  /** Whether a command must carry the ACB MAC (`none`: signed-only variants such as CS02b by Recovery or Contingency). */
  commandMac: 'required' | 'optional' | 'none';
  /** Whether the device signs its response (`if-command-signed`: variants such as CS02a/CS02f). */
  responseSigned: 'yes' | 'no' | 'if-command-signed';
  /** Device types that execute (or raise) it. */
  devices: readonly DeviceType[];
  /** Remote Party Roles that may originate the command (ACB = DCC-originated on behalf of a user). */
  roles: readonly number[];
  encoding: 'dlms' | 'gbz' | 'asn1' | null;
  /** Whether the response's Grouping Header carries a date-time (per use case, as RTDS shows). */
  responseDateTime: boolean;
  /** HAN-only device-to-device message (PPMID ↔ GSME, PECS, HECS): MAC'd between the two devices' KA keys. */
  han: boolean;
}

const BY_CODE = new Map<number, UseCase>();
for (const [
  messageCode,
  useCase,
  title,
  kind,
  commandSignature,
  commandMac,
  responseSigned,
  devices,
  roles,
  encoding,
  responseDateTime,
  han,
] of USE_CASE_ROWS) {
  BY_CODE.set(messageCode, {
    messageCode,
    useCase,
    title,
    kind,
    commandSignature,
    commandMac,
    responseSigned,
    devices: devices as readonly DeviceType[],
    roles,
    encoding,
    responseDateTime,
    han,
  });
}

/** The use case of a Message Code, or undefined when GBCS defines none we know. */
export function useCaseOf(messageCode: number): UseCase | undefined {
  return BY_CODE.get(messageCode);
}

export function allUseCases(): UseCase[] {
  return [...BY_CODE.values()];
}

/** `0x00b3` style label. */
export function messageCodeHex(code: number): string {
  return `0x${code.toString(16).padStart(4, '0')}`;
}
