/**
 * `gbcs-sim duis send`: a small DUIS client. For each request it signs the XML with the user's
 * XML-signing key (any signature already there is replaced), POSTs it to the web service of its
 * Command Variant (1/3/5/7 `serviceS`, 2/6/8 `serviceD`, 4 `serviceT`), checks the DSP's signature
 * on the answer and prints it. A Transform (CV 4) answered I0 with a Pre-Command is completed as a
 * user does: the Pre-Command is signed with the DS key of its Grouping Header's originator from the
 * test key set of `seed` (the premises of `duis serve --premises` trust those keys) and returned as
 * CV 5 (`sr:SignedPreCommand`) under the same Request ID. With `wait`, it listens for the
 * asynchronous DUIS Response to the request at the callback address (`duis serve --callback` must
 * point there) and checks it the same way.
 *
 * Succeeds (exit 0) only when every answer arrived, was signed by the DSP, and was I0/I99 — and with
 * `wait` when every asynchronous response arrived, verified, and was I0.
 */
import { createServer } from 'node:http';
import { ByteReader, concatBytes } from '../../protocol/bytes.ts';
import type { GbcsCrypto } from '../../protocol/crypto/gbcs-crypto.ts';
import { decodeGeneralSigning, encodeSignatureField } from '../../protocol/grouping-header.ts';
import { readDuisRequest } from '../../sim/duis/request.ts';
import { WEB_SERVICE_OF_CV } from '../../sim/duis/service-requests.ts';
import { elementChildren, leafText, readDuisXml } from '../../sim/duis/xml.ts';
import {
  decodeBase64Text,
  readSignatureProfile,
  signDuisXml,
  verifyDuisSignature,
  type XmlSigningKey,
} from '../../sim/duis/xmldsig.ts';
import { createTestKeys } from '../../sim/smki/test-pki.ts';
import { type Listening, listen } from '../http-listen.ts';

export interface DuisSendOptions {
  /** Base URL of the DUIS service (e.g. http://127.0.0.1:8079). */
  to: string;
  signer: XmlSigningKey;
  /** The DSP's XML-signing public key that must have signed every answer. */
  dspPublicKey: Uint8Array;
  crypto: GbcsCrypto;
  /** Seed of the test key set that signs Pre-Commands. */
  seed: string;
  /** Listen for the asynchronous responses here (host, port) for at most `timeoutMs`. */
  wait?: { host: string; port: number; timeoutMs: number };
  print(line: object): void;
}

/** What one exchange yielded (printed as one JSON line). */
export interface SendResult {
  label: string;
  requestId: string | null;
  ok: boolean;
  steps: Array<{
    service: string;
    status: number;
    responseCode: string | null;
    verified: boolean;
    detail?: string;
  }>;
  asynchronous?: { responseCode: string | null; verified: boolean; body: string } | null;
}

const codeOf = (xml: string) => /<(?:\w+:)?ResponseCode>([^<]+)</.exec(xml)?.[1] ?? null;
const requestIdOf = (xml: string) => /<(?:\w+:)?RequestID>([^<]+)</.exec(xml)?.[1] ?? null;

/** Receives callback POSTs and hands each to the waiter of its Request ID. */
class CallbackInbox {
  readonly #got = new Map<string, string[]>();
  readonly #waiters = new Map<string, (b: string) => void>();
  listening: Listening | null = null;
  take(body: string): void {
    const id = requestIdOf(body);
    if (!id || !codeOf(body)) return;
    if (!/<(?:\w+:)?ResponseMessage>/.test(body)) return; // alerts are not the answer
    const w = this.#waiters.get(id);
    if (w) {
      this.#waiters.delete(id);
      w(body);
    } else this.#got.set(id, [...(this.#got.get(id) ?? []), body]);
  }
  next(id: string, timeoutMs: number): Promise<string | null> {
    const have = this.#got.get(id)?.shift();
    if (have) return Promise.resolve(have);
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.#waiters.delete(id);
        resolve(null);
      }, timeoutMs);
      this.#waiters.set(id, (b) => {
        clearTimeout(t);
        resolve(b);
      });
    });
  }
}

/** Sends each request in turn; resolves with the results (never throws on a bad answer). */
export async function duisSend(
  requests: ReadonlyArray<{ label: string; xml: string }>,
  o: DuisSendOptions,
): Promise<SendResult[]> {
  const inbox = new CallbackInbox();
  if (o.wait) {
    const server = createServer((req, res) => {
      let b = '';
      req.setEncoding('utf8');
      req.on('data', (c) => (b += c));
      req.on('end', () => {
        res.writeHead(200).end();
        inbox.take(b);
      });
    });
    inbox.listening = await listen(server, { host: o.wait.host, port: o.wait.port });
  }
  const keys = createTestKeys(o.seed);
  const verified = (xml: string): boolean => {
    const x = readDuisXml(xml);
    if (!x.ok) return false;
    const p = readSignatureProfile(x.root);
    return p.ok && verifyDuisSignature(x.text, p.profile, o.dspPublicKey, o.crypto);
  };
  const post = async (service: string, xml: string) => {
    const r = await fetch(`${o.to.replace(/\/$/, '')}/api/v1/service${service}`, {
      method: 'POST',
      headers: { 'content-type': 'application/xml' },
      body: xml,
    });
    const text = await r.text();
    const duis = r.headers.get('content-type')?.startsWith('application/xml') === true;
    return {
      service,
      status: r.status,
      text,
      responseCode: duis ? codeOf(text) : null,
      verified: duis && verified(text),
      ...(duis ? {} : { detail: text.trim() }),
    };
  };

  const results: SendResult[] = [];
  try {
    for (const { label, xml } of requests) {
      const unsigned = xml.replace(/<ds:Signature[\s\S]*<\/ds:Signature>\s*/, '');
      const signed = signDuisXml(unsigned, o.signer, o.crypto);
      const parsed = readDuisXml(signed);
      const req = parsed.ok ? readDuisRequest(parsed.root) : null;
      if (!req?.ok) {
        results.push({ label, requestId: null, ok: false, steps: [] });
        o.print({ input: label, ok: false, error: req ? req.detail : 'not well-formed XML' });
        continue;
      }
      const cv = req.request.commandVariant;
      const result: SendResult = { label, requestId: req.request.requestIdText, ok: false, steps: [] };
      results.push(result);
      const first = await post(cv === 9 ? 'S' : WEB_SERVICE_OF_CV[cv], signed);
      result.steps.push(stepOf(first));
      let last = first;
      if (cv === 4 && first.responseCode === 'I0' && first.verified) {
        const signedPre = signPreCommand(first.text, keys, o.crypto);
        if (!signedPre) first.detail = 'the I0 answer holds no Pre-Command';
        else {
          last = await post(
            'S',
            signDuisXml(signedPreCommandRequest(unsigned, signedPre), o.signer, o.crypto),
          );
          result.steps.push(stepOf(last));
        }
      }
      const answered = result.steps.every(
        (s) => s.verified && (s.responseCode === 'I0' || s.responseCode === 'I99'),
      );
      result.ok = answered && result.steps.length > 0;
      if (o.wait && last.responseCode === 'I99' && answered) {
        const body = await inbox.next(result.requestId!, o.wait.timeoutMs);
        result.asynchronous =
          body === null ? null : { responseCode: codeOf(body), verified: verified(body), body };
        result.ok = result.asynchronous?.verified === true && result.asynchronous.responseCode === 'I0';
      }
      o.print({
        input: label,
        requestId: result.requestId,
        ok: result.ok,
        steps: result.steps,
        ...(o.wait ? { asynchronous: result.asynchronous ?? null } : {}),
      });
    }
  } finally {
    await inbox.listening?.close();
  }
  return results;
}

const stepOf = (a: {
  service: string;
  status: number;
  responseCode: string | null;
  verified: boolean;
  detail?: string;
}) => ({
  service: `service${a.service}`,
  status: a.status,
  responseCode: a.responseCode,
  verified: a.verified,
  ...(a.detail ? { detail: a.detail } : {}),
});

/**
 * The CV 5 request that returns a signed Pre-Command: the CV 4 request (unsigned) with Command
 * Variant 5 and `SignedPreCommand/GBCSPayload` as its Body, under the same Request ID.
 */
export function signedPreCommandRequest(cv4Request: string, signedPre: Uint8Array): string {
  return cv4Request
    .replace(/<(\w+:)?CommandVariant>4</, '<$1CommandVariant>5<')
    .replace(
      /<(\w+:)?Body>[\s\S]*<\/(\w+:)?Body>/,
      `<$1Body><$1SignedPreCommand><$1GBCSPayload>${Buffer.from(signedPre).toString('base64')}</$1GBCSPayload></$1SignedPreCommand></$1Body>`,
    );
}

/** The Pre-Command of an I0 Transform answer signed by its originator's test DS key, or null. */
export function signPreCommand(
  answer: string,
  keys: ReturnType<typeof createTestKeys>,
  crypto: GbcsCrypto,
): Uint8Array | null {
  const x = readDuisXml(answer);
  if (!x.ok) return null;
  const pre = x.root.getElementsByTagNameNS('*', 'PreCommand')[0];
  const payload = pre ? elementChildren(pre).find((e) => e.localName === 'GBCSPayload') : undefined;
  const bytes = payload ? decodeBase64Text(leafText(payload) ?? '') : null;
  if (!bytes) return null;
  try {
    const gs = decodeGeneralSigning(new ByteReader(bytes), bytes.length);
    const ds = keys.privateKey(gs.header.originatorId, 'ds');
    return concatBytes(
      bytes,
      encodeSignatureField({ kind: 'present', value: crypto.sign(ds, bytes.subarray(1)) }),
    );
  } catch {
    return null;
  }
}
