/** Shared value types of the GBCS envelope. */

/** EUI-64 entity identifier: 16 lowercase hex digits (DESIGN §3). 8 bytes on the wire. */
export type Eui64 = string;

/** CRA flag of the Grouping Header (GBCS 7.2.7): Command, Response, Alert. */
export const CraFlag = { COMMAND: 1, RESPONSE: 2, ALERT: 3 } as const;
export type CraFlag = (typeof CraFlag)[keyof typeof CraFlag];

/** KDF "CRA" byte: the message kinds plus 04, the derivation for payload encryption (GBCS 4.3.3.3). */
export const KdfPurpose = { COMMAND: 1, RESPONSE: 2, ALERT: 3, ENCRYPTION: 4 } as const;
export type KdfPurpose = (typeof KdfPurpose)[keyof typeof KdfPurpose];

export function isEui64(s: string): boolean {
  return /^[0-9a-f]{16}$/.test(s);
}
