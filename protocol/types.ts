/** Shared value types of the GBCS envelope. */

/** EUI-64 entity identifier: 16 lowercase hex digits (DESIGN §3). 8 bytes on the wire. */
export type Eui64 = string;

/** CRA flag of the Grouping Header (GBCS 7.2.7): Command, Response, Alert. */
export const CraFlag = { COMMAND: 1, RESPONSE: 2, ALERT: 3 } as const;
export type CraFlag = (typeof CraFlag)[keyof typeof CraFlag];

/** KDF "CRA" byte: the message kinds plus 04, the derivation for payload encryption (GBCS 4.3.3.3). */
export const KdfPurpose = { COMMAND: 1, RESPONSE: 2, ALERT: 3, ENCRYPTION: 4 } as const;
export type KdfPurpose = (typeof KdfPurpose)[keyof typeof KdfPurpose];

/**
 * Remote Party Role (GBCS `RemotePartyRole ::= INTEGER`, gbcs-wire-and-security.md §3.8): the role a
 * trust-anchor cell serves and an originator acts in. 8 = Load Controller (CS02g).
 */
export const Role = {
  ROOT: 0,
  RECOVERY: 1,
  SUPPLIER: 2,
  NETWORK_OPERATOR: 3,
  ACCESS_CONTROL_BROKER: 4,
  TRANSITIONAL_COS: 5,
  WAN_PROVIDER: 6,
  ISSUING_AUTHORITY: 7,
  LOAD_CONTROLLER: 8,
  OTHER: 127,
} as const;
export type Role = (typeof Role)[keyof typeof Role];

/** The roles' names as the use-case catalogue, keystores and reports print them. */
export const ROLE_NAMES: Readonly<Record<number, string>> = {
  [Role.ROOT]: 'root',
  [Role.RECOVERY]: 'recovery',
  [Role.SUPPLIER]: 'supplier',
  [Role.NETWORK_OPERATOR]: 'networkOperator',
  [Role.ACCESS_CONTROL_BROKER]: 'accessControlBroker',
  [Role.TRANSITIONAL_COS]: 'transitionalCoS',
  [Role.WAN_PROVIDER]: 'wanProvider',
  [Role.ISSUING_AUTHORITY]: 'issuingAuthority',
  [Role.LOAD_CONTROLLER]: 'loadController',
  [Role.OTHER]: 'other',
};

export function isEui64(s: string): boolean {
  return /^[0-9a-f]{16}$/.test(s);
}
