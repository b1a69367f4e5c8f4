/**
 * The shapes of an alert (sim/device/alerts.ts raises them): what a model or the scheduler asks for
 * (`AlertSpec`) and what left the device (`RaisedAlert`). Apart from alerts.ts so the execution
 * context (core.ts) can name them without importing the alert machinery.
 */
import type { DlmsData } from '../../protocol/dlms/axdr.ts';
import type { GbzAlertBody } from '../../protocol/gbz/gbz.ts';
import type { GroupingHeader } from '../../protocol/grouping-header.ts';
import type { Eui64 } from '../../protocol/types.ts';

/** A Remote Party by role (resolved from the device's trust-anchor cells) or by EUI. */
export type AlertRecipient = Eui64 | 'supplier' | 'network-operator' | 'acb' | 'load-controller';

/** The use-case part of an alert payload, in the payload form of the Message Code. */
export type AlertBody =
  /** DLMS: Data elements after the alert code and date-time (flattened into the structure). */
  | { form: 'dlms'; elements: DlmsData[] }
  /** DLMS, sensitive: `plaintext` goes encrypted for the recipient as a protected-attributes pair. */
  | { form: 'dlms-protected'; plaintext: DlmsData }
  /** GBZ alert-specific part (future-dated outcome, firmware hash; `none` = no part). */
  | { form: 'gbz'; part: Exclude<GbzAlertBody, { type: 'component' }> }
  /** GBZ: one ZCL command, encrypted for the recipient, as the alert's component (GCS53). */
  | {
      form: 'gbz-encrypted-component';
      clusterId: number;
      frameControl: number;
      commandId: number;
      zclPayload: Uint8Array;
    }
  /** ASN.1: DER elements after the alert code and the GeneralizedTime. */
  | { form: 'asn1'; elements: Uint8Array[] };

export interface AlertSpec {
  alertCode: number;
  /** Default: `alertMessageCode(device type, alertCode)`. */
  messageCode?: number;
  /** Default: `defaultAlertRecipient`. */
  recipient?: AlertRecipient;
  /** A party the alert is for on whose behalf the recipient receives it (Other Information length 10). */
  supplementaryRemotePartyId?: AlertRecipient;
  /** Default: no use-case part, in the Message Code's encoding. */
  body?: AlertBody;
  /** Time stamp of the alert (ms since the epoch). Default: the device clock. */
  at?: number;
}

/** An alert that left the device. */
export interface RaisedAlert {
  /** The whole message (`DF…` signed or `DD…` MAC'd). */
  bytes: Uint8Array;
  header: GroupingHeader;
  alertCode: number;
  messageCode: number;
  /** The alert's time stamp (ms since the epoch). */
  at: number;
  signed: boolean;
}
