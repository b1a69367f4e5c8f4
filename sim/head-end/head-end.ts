/**
 * The head-end: plays the Remote Parties (Supplier, Network Operator, DCC Access Control Broker,
 * TransCoS, WAN Provider, Recovery) towards devices. Builds commands as any originator — signed by
 * the originator's DS key when critical, MAC'd by the ACB (GBCS 6.2.3, 7.2.8) — and checks the
 * responses: protection verdicts and correlation (CRA 2, same counter, swapped ids, same code).
 */

import { concatBytes, toHex } from '../../protocol/bytes.ts';
import { type GbcsCrypto, SharedSecretCache } from '../../protocol/crypto/index.ts';
import { decodeGbcsMessage, type GbcsMessage } from '../../protocol/envelope.ts';
import { DecodeError, ErrorCode, GbcsError } from '../../protocol/errors.ts';
import {
  encodeGroupingHeaderAndPayload,
  encodeSignatureField,
  type GroupingHeader,
  groupingHeader,
} from '../../protocol/grouping-header.ts';
import { macProtect } from '../../protocol/security/protect.ts';
import {
  type KeyResolver,
  type MacVerdict,
  type SignatureVerdict,
  type VerifyContext,
  verifyMac,
  verifySignature,
} from '../../protocol/security/verify.ts';
import { CraFlag, type Eui64 } from '../../protocol/types.ts';
import { useCaseOf } from '../../protocol/use-case-catalogue.ts';
import type { Clock } from '../clock.ts';

export interface CommandSpec {
  originatorId: Eui64;
  recipientId: Eui64;
  messageCode: number;
  /** The payload, or a function of the Originator Counter (DLMS payloads embed its low 24 bits). */
  payload: Uint8Array | ((originatorCounter: bigint) => Uint8Array);
  /** Default: the next counter of the originator (strictly increasing, seeded from the clock). */
  counter?: bigint;
  /** Default: what the use case requires. */
  sign?: boolean;
  /** Default true; false builds a signed-only (`DF`) command such as CS02b by Recovery. */
  mac?: boolean;
  /**
   * Signs the signed bytes (64-byte r‖s); default: the originator's DS private key from the
   * resolver. For keys held in custody (the Recovery and Contingency Private Keys).
   */
  signer?: (signedBytes: Uint8Array) => Uint8Array;
  supplementaryRemotePartyId?: Eui64 | null;
  supplementaryRemotePartyCounter?: bigint | null;
}

export interface BuiltCommand {
  bytes: Uint8Array;
  header: GroupingHeader;
}

export interface ResponseCheck {
  ok: boolean;
  mac: MacVerdict;
  signature: SignatureVerdict;
  /** Problems with correlation or protection, empty when ok. */
  problems: string[];
  message: GbcsMessage | null;
}

export interface HeadEndConfig {
  crypto: GbcsCrypto;
  keys: KeyResolver;
  acbId: Eui64;
  clock: Clock;
  cache?: SharedSecretCache;
}

export class HeadEnd {
  readonly crypto: GbcsCrypto;
  readonly keys: KeyResolver;
  readonly acbId: Eui64;
  readonly clock: Clock;
  readonly cache: SharedSecretCache;
  private readonly counters = new Map<Eui64, bigint>();

  constructor(cfg: HeadEndConfig) {
    this.crypto = cfg.crypto;
    this.keys = cfg.keys;
    this.acbId = cfg.acbId;
    this.clock = cfg.clock;
    this.cache = cfg.cache ?? new SharedSecretCache(cfg.crypto);
  }

  /**
   * Next Originator Counter of a Remote Party: strictly increasing, and never below the clock in
   * milliseconds (as DCC systems seed theirs), so restarts of the harness keep counters fresh.
   */
  nextCounter(originatorId: Eui64): bigint {
    const last = this.counters.get(originatorId) ?? 0n;
    const floor = BigInt(Math.floor(this.clock.now()));
    const next = last >= floor ? last + 1n : floor;
    this.counters.set(originatorId, next);
    return next;
  }

  private verifyContext(): VerifyContext {
    return { crypto: this.crypto, keys: this.keys, acbId: this.acbId, cache: this.cache };
  }

  /**
   * The Grouping Header and payload of a command (GBCS 7.2.x: `DF 09` CRA flag … payload), without
   * the signature field or MAC: what the DCC returns to a DUIS user as a Pre-Command to sign.
   */
  preCommand(spec: CommandSpec): BuiltCommand {
    const header = groupingHeader({
      craFlag: CraFlag.COMMAND,
      originatorCounter: spec.counter ?? this.nextCounter(spec.originatorId),
      originatorId: spec.originatorId,
      recipientId: spec.recipientId,
      messageCode: spec.messageCode,
      supplementaryRemotePartyId: spec.supplementaryRemotePartyId ?? null,
      supplementaryRemotePartyCounter: spec.supplementaryRemotePartyCounter ?? null,
    });
    const payload =
      typeof spec.payload === 'function' ? spec.payload(header.originatorCounter) : spec.payload;
    return { bytes: encodeGroupingHeaderAndPayload(header, payload), header };
  }

  /** @throws GbcsError BAD_KEY when a needed private key is missing. */
  buildCommand(spec: CommandSpec): BuiltCommand {
    const uc = useCaseOf(spec.messageCode);
    const { bytes: body, header } = this.preCommand(spec);
    const sign = spec.sign ?? uc?.commandSignature === 'required';
    let apdu: Uint8Array;
    if (sign) {
      let signature: Uint8Array;
      if (spec.signer) signature = spec.signer(body.subarray(1));
      else {
        const ds = this.keys.privateKey(spec.originatorId, 'ds');
        if (!ds)
          throw new GbcsError(ErrorCode.BAD_KEY, `no DS private key for originator ${spec.originatorId}`);
        signature = this.crypto.sign(ds, body.subarray(1));
      }
      apdu = concatBytes(body, encodeSignatureField({ kind: 'present', value: signature }));
    } else {
      apdu = concatBytes(body, encodeSignatureField({ kind: 'null' }));
    }
    if (spec.mac === false) return { bytes: apdu, header };
    return { bytes: this.macAsAcb(header, apdu), header };
  }

  /**
   * The ACB's MAC over a general-signing APDU (signature field included), GBCS 6.2.3: KDF(ACB KA,
   * recipient KA) → GMAC, wrapped in the `DD 00` MAC header.
   * @throws GbcsError BAD_KEY when the ACB's KA private key or the recipient's KA public key is missing
   */
  macAsAcb(header: GroupingHeader, apdu: Uint8Array): Uint8Array {
    const acbKa = this.keys.privateKey(this.acbId, 'ka');
    const devKa = this.keys.publicKey(header.recipientId, 'ka');
    if (!acbKa) throw new GbcsError(ErrorCode.BAD_KEY, `no KA private key for the ACB ${this.acbId}`);
    if (!devKa) throw new GbcsError(ErrorCode.BAD_KEY, `no KA public key for device ${header.recipientId}`);
    // The key id names the key pair, not just the ACB: a CS02b may give the ACB a new KA key.
    const z = this.cache.get(`${this.acbId}/ka/${toHex(acbKa.subarray(0, 8))}`, acbKa, devKa);
    return macProtect(this.crypto, z, header, apdu);
  }

  /** Verifies any message with the head-end's keys. */
  verify(bytes: Uint8Array): { message: GbcsMessage; mac: MacVerdict; signature: SignatureVerdict } {
    const message = decodeGbcsMessage(bytes);
    if (message.form === 'gbt') return { message, mac: 'absent', signature: 'absent' };
    const ctx = this.verifyContext();
    return { message, mac: verifyMac(ctx, message), signature: verifySignature(ctx, message) };
  }

  /** Checks a response against the command it answers. Never throws on bad bytes. */
  checkResponse(command: GroupingHeader, bytes: Uint8Array): ResponseCheck {
    let v: ReturnType<HeadEnd['verify']>;
    try {
      v = this.verify(bytes);
    } catch (e) {
      if (e instanceof DecodeError) {
        return {
          ok: false,
          mac: 'absent',
          signature: 'absent',
          problems: [`undecodable: ${e.message}`],
          message: null,
        };
      }
      throw e;
    }
    const problems: string[] = [];
    const m = v.message;
    if (m.form === 'gbt') {
      return {
        ok: false,
        mac: 'absent',
        signature: 'absent',
        problems: ['a GBT block, not a response'],
        message: m,
      };
    }
    const h = m.apdu.header;
    if (h.craFlag !== CraFlag.RESPONSE) problems.push(`CRA flag ${h.craFlag}, expected 2`);
    if (h.originatorCounter !== command.originatorCounter) problems.push('counter does not echo the command');
    if (h.originatorId !== command.recipientId) problems.push('originator is not the commanded device');
    if (h.recipientId !== command.originatorId) problems.push('recipient is not the command originator');
    if (h.messageCode !== command.messageCode) problems.push('message code differs');
    const signed = v.signature !== 'null' && v.signature !== 'absent';
    if (signed && v.signature !== 'valid') problems.push(`signature ${v.signature}`);
    if (!signed && v.mac !== 'valid') problems.push(`MAC ${v.mac}`);
    return { ok: problems.length === 0, mac: v.mac, signature: v.signature, problems, message: m };
  }
}
