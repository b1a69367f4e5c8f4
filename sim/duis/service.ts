/**
 * The DCC's DUIS service-request front door: what happens to a request POSTed to one of the three web
 * services (`/api/v1/serviceS` Send Command, `serviceD` Non-Device, `serviceT` Transform) before it
 * reaches the premises. In order, each step a refusal from `REFUSALS` (response-codes.ts):
 *
 *  1. content type application/xml (or text/xml) — else 415;
 *  2. safe XML read (xml.ts: size, UTF-8, no DTD/entities/PIs, bounds) — else 400 XML_REFUSED;
 *  3. structure (request.ts) and, when configured, the DUIS XSD — else 400 SCHEMA_INVALID;
 *  4. XML signature: present, DUIS profile, certificate known by serial, the originator's own User
 *     XML-signing certificate, In use and in date, signature valid — else 400 SIGNATURE_* / CERTIFICATE_*;
 *  5. Request ID counter strictly above every one accepted from the originator — else 400;
 *  6. the originator holds a User Role — else E1; one eligible for the variant — else E2;
 *  7. the Command Variant belongs to this URL — else E13; applies to the variant — else E12;
 *  8. a device request's Business Target is a known device — else E19;
 *  9. accepted: the counter is raised and the request handed to the `DuisBackend`, whose answer
 *     (I99 acknowledgement, I0 with content, an E-code, or "not carried") is signed by the DSP.
 *
 * Steps 1–8 change nothing (DESIGN §1). Every DUIS answer is a Response signed with the DSP's
 * XML-signing key; HTTP-level refusals are one text line. Never throws on any input.
 */
import type { GbcsCrypto } from '../../protocol/crypto/gbcs-crypto.ts';
import type { Eui64 } from '../../protocol/types.ts';
import type { Clock } from '../clock.ts';
import type { UserRoles, XmlSigningRegistry } from './certificates.ts';
import { type DuisRequest, readDuisRequest } from './request.ts';
import { MemoryCounterStore, type OriginatorCounterStore } from './request-id.ts';
import { signedDuisResponse } from './response.ts';
import { type DuisResponseCode, REFUSALS, type RefusalKind } from './response-codes.ts';
import { type DuisWebService, type UserRole, WEB_SERVICE_OF_CV } from './service-requests.ts';
import { readDuisXml, type XmlLimits } from './xml.ts';
import { readSignatureProfile, verifyDuisSignature, type XmlSigningKey } from './xmldsig.ts';

/** A request that passed every check of the front door. */
export interface AcceptedDuisRequest {
  request: DuisRequest;
  webService: DuisWebService;
  /** The originator's User Roles that are eligible for this variant (at least one). */
  userRoles: readonly UserRole[];
  /** The signed request exactly as received. */
  text: string;
  /** When it was accepted (ms, from the service's clock). */
  receivedAt: number;
}

/** What the backend answers synchronously on the HTTP response. */
export type DuisSyncAnswer =
  /** I99: accepted for the device; the outcome goes to the user's callback later. */
  | { kind: 'acknowledged' }
  /** I0 with the ResponseMessage content (e.g. `<sr:PreCommand>…` for CV 4, inventory for 8.2). */
  | { kind: 'response'; content?: string }
  /** A DUIS error the DCC finds after access control (E5, E11, E20 …). */
  | { kind: 'error'; responseCode: DuisResponseCode }
  /** gbcs-sim does not carry this request (yet): HTTP 501 with the reason. */
  | { kind: 'not-carried'; reason: string }
  /** Refused after access control for a reason DUIS gives no code for (`REFUSALS`). */
  | { kind: 'refused'; refusal: RefusalKind; reason: string };

/**
 * The premises side of the DUIS service: the inventory it checks Business Targets against and what
 * takes accepted requests (builds the GBCS command, sends it, and later POSTs the device's response
 * and alerts to the callback). Implemented by the wiring to virtual premises; `AcknowledgingBackend`
 * stands in until then.
 */
export interface DuisBackend {
  /** Whether the Smart Metering Inventory holds this device (EUI-64, lowercase hex). */
  hasDevice(eui: Eui64): boolean;
  /** Takes an accepted request. Must not throw (a thrown error is answered 500 and logged as such). */
  submit(request: AcceptedDuisRequest): DuisSyncAnswer | Promise<DuisSyncAnswer>;
  /**
   * Whether a Request ID is that of a Transform (CV 4) whose Pre-Command is still to come back
   * signed: a CV 5–7 request under it skips the Request ID counter check (DUIS: the signed
   * Pre-Command is returned under the same Request ID). Absent = never.
   */
  isPendingTransform?(requestId: string): boolean;
}

/** Stand-in backend: knows a set of devices, acknowledges device and non-device requests, carries no transform. */
export class AcknowledgingBackend implements DuisBackend {
  readonly #devices: Set<Eui64>;
  readonly submitted: AcceptedDuisRequest[] = [];
  constructor(devices: Iterable<Eui64> = []) {
    this.#devices = new Set(devices);
  }
  hasDevice(eui: Eui64): boolean {
    return this.#devices.has(eui);
  }
  submit(r: AcceptedDuisRequest): DuisSyncAnswer {
    this.submitted.push(r);
    return r.webService === 'T'
      ? { kind: 'not-carried', reason: 'the transform to a Pre-Command is not wired to premises yet' }
      : { kind: 'acknowledged' };
  }
}

/** Validates a DUIS message against the DUIS XSD (xsd.ts). */
export interface XsdValidator {
  validate(xml: string): Promise<{ valid: boolean; errors: string[] }>;
}

export interface DuisServiceOptions {
  registry: XmlSigningRegistry;
  userRoles: UserRoles;
  backend: DuisBackend;
  /** The DSP's XML-signing key that signs every DUIS answer. */
  dsp: XmlSigningKey;
  clock: Clock;
  crypto: GbcsCrypto;
  counters?: OriginatorCounterStore;
  xsd?: XsdValidator;
  limits?: XmlLimits;
}

/** One HTTP answer of the service. */
export interface DuisAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Why the request was not accepted, or null when it was. */
  refusal: RefusalKind | null;
  /** Response Code of the DUIS answer, or null for an HTTP-only answer. */
  responseCode: DuisResponseCode | null;
  /** The Request ID as written in the request, when it could be read. */
  requestId: string | null;
  /** One line on what happened (for logs). */
  detail: string;
}

const XML_TYPES = /^(application|text)\/xml\s*(;|$)/i;

export class DuisService {
  readonly #o: DuisServiceOptions;
  readonly counters: OriginatorCounterStore;

  constructor(o: DuisServiceOptions) {
    this.#o = o;
    this.counters = o.counters ?? new MemoryCounterStore();
  }

  /** Handles one POST to web service `ws`. Never throws. */
  async handle(ws: DuisWebService, body: Uint8Array, contentType: string | undefined): Promise<DuisAnswer> {
    try {
      return await this.#handle(ws, body, contentType);
    } catch (e) {
      return {
        status: 500,
        headers: { 'content-type': 'text/plain; charset=utf-8' },
        body: 'internal error\n',
        refusal: null,
        responseCode: null,
        requestId: null,
        detail: `internal error: ${(e as Error).message}`,
      };
    }
  }

  /** An HTTP-only refusal (no DUIS body). */
  static httpRefusal(kind: RefusalKind, detail: string, requestId: string | null = null): DuisAnswer {
    const r = REFUSALS[kind];
    return {
      status: r.http,
      headers: { 'content-type': 'text/plain; charset=utf-8', 'x-gbcs-sim-refusal': kind },
      body: `${kind}: ${detail.replace(/[\r\n]+/g, ' ')}\n`,
      refusal: kind,
      responseCode: null,
      requestId,
      detail,
    };
  }

  #duisAnswer(
    req: DuisRequest,
    code: DuisResponseCode,
    refusal: RefusalKind | null,
    detail: string,
    content?: string,
  ): DuisAnswer {
    const o = this.#o;
    const xml = signedDuisResponse(
      {
        requestId: req.requestIdText,
        responseCode: code,
        responseDateTime: o.clock.now(),
        serviceReference: req.serviceReference,
        serviceReferenceVariant: req.variant.srv,
        ...(content === undefined ? {} : { content }),
      },
      o.dsp,
      o.crypto,
    );
    return {
      status: 200,
      headers: { 'content-type': 'application/xml', ...(refusal ? { 'x-gbcs-sim-refusal': refusal } : {}) },
      body: xml,
      refusal,
      responseCode: code,
      requestId: req.requestIdText,
      detail,
    };
  }

  #refuse(req: DuisRequest, kind: RefusalKind, detail: string): DuisAnswer {
    const code = REFUSALS[kind].responseCode;
    return code === null
      ? DuisService.httpRefusal(kind, detail, req.requestIdText)
      : this.#duisAnswer(req, code, kind, detail);
  }

  async #handle(ws: DuisWebService, body: Uint8Array, contentType: string | undefined): Promise<DuisAnswer> {
    const o = this.#o;
    if (!contentType || !XML_TYPES.test(contentType))
      return DuisService.httpRefusal('UNSUPPORTED_MEDIA_TYPE', `content-type ${contentType ?? '(none)'}`);
    const xml = readDuisXml(body, o.limits);
    if (!xml.ok)
      return DuisService.httpRefusal(
        xml.code === 'TOO_LARGE' ? 'BODY_TOO_LARGE' : 'XML_REFUSED',
        `${xml.code}: ${xml.detail}`,
      );
    const read = readDuisRequest(xml.root);
    if (!read.ok) return DuisService.httpRefusal('SCHEMA_INVALID', read.detail);
    const req = read.request;
    if (o.xsd) {
      const v = await o.xsd.validate(xml.text);
      if (!v.valid)
        return DuisService.httpRefusal(
          'SCHEMA_INVALID',
          v.errors[0] ?? 'invalid against the XSD',
          req.requestIdText,
        );
    }

    const profile = readSignatureProfile(xml.root);
    if (!profile.ok) return this.#refuse(req, profile.code, profile.detail);
    const now = o.clock.now();
    const cert = o.registry.check(
      profile.profile.serial,
      profile.profile.issuerName,
      req.requestId.originator,
      'user',
      now,
    );
    if (!cert.ok) return this.#refuse(req, cert.code, cert.detail);
    if (!verifyDuisSignature(xml.text, profile.profile, cert.certificate.publicKey, o.crypto))
      return this.#refuse(
        req,
        'SIGNATURE_INVALID',
        `signature by certificate ${profile.profile.serial} does not verify`,
      );

    const { originator, target, counter } = req.requestId;
    const cv = req.commandVariant;
    const resubmitted = cv >= 5 && cv <= 7 && o.backend.isPendingTransform?.(req.requestIdText) === true;
    if (!resubmitted && !this.counters.isFresh(originator, counter))
      return this.#refuse(
        req,
        'COUNTER_NOT_FRESH',
        `counter ${counter} is not above ${this.counters.last(originator)} already accepted from ${originator}`,
      );

    const roles = o.userRoles(originator);
    if (roles.length === 0) return this.#refuse(req, 'USER_UNKNOWN', `${originator} holds no DCC User Role`);
    const eligible = roles.filter((r) => req.variant.eligibleRoles.includes(r));
    if (eligible.length === 0)
      return this.#refuse(
        req,
        'ROLE_NOT_ELIGIBLE',
        `${req.variant.srv} is for ${req.variant.eligibleRoles.join('/') || 'no User Role'}; ${originator} is ${roles.join('/')}`,
      );

    if (cv === 9 || WEB_SERVICE_OF_CV[cv] !== ws) {
      if (cv === 9)
        return this.#refuse(
          req,
          'COMMAND_VARIANT_NOT_APPLICABLE',
          'Command Variant 9 is internal to the DCC',
        );
      return this.#refuse(
        req,
        'WRONG_WEB_SERVICE',
        `Command Variant ${cv} is sent to service${WEB_SERVICE_OF_CV[cv]}, not service${ws}`,
      );
    }
    if (!req.variant.commandVariants.includes(cv))
      return this.#refuse(
        req,
        'COMMAND_VARIANT_NOT_APPLICABLE',
        `${req.variant.srv} takes Command Variant ${req.variant.commandVariants.join('/')}, not ${cv}`,
      );
    if (!req.variant.nonDevice && !o.backend.hasDevice(target))
      return this.#refuse(req, 'DEVICE_UNKNOWN', `no device ${target} in the inventory`);

    // Accept: raise the counter (re-checked: a concurrent request may have taken it), then hand over.
    if (!resubmitted && !this.counters.accept(originator, counter))
      return this.#refuse(req, 'COUNTER_NOT_FRESH', `counter ${counter} was accepted meanwhile`);
    const answer = await o.backend.submit({
      request: req,
      webService: ws,
      userRoles: eligible,
      text: xml.text,
      receivedAt: now,
    });
    switch (answer.kind) {
      case 'acknowledged':
        return this.#duisAnswer(req, 'I99', null, 'accepted, acknowledged');
      case 'response':
        return this.#duisAnswer(req, 'I0', null, 'accepted, answered', answer.content);
      case 'error':
        return this.#duisAnswer(req, answer.responseCode, null, `accepted, answered ${answer.responseCode}`);
      case 'not-carried':
        return DuisService.httpRefusal('NOT_CARRIED', answer.reason, req.requestIdText);
      case 'refused':
        return this.#refuse(req, answer.refusal, answer.reason);
    }
  }
}
