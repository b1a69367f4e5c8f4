/**
 * The SMKI Repository over HTTP, shaped like DCC Boxed's SMKI services so that DCC Boxed client
 * tooling (dccboxed-keystore `src/certificateSearch.ts` `search` / `query`) can point at it:
 *
 *   POST /services/certificatesearch     <CertificateSearchRequest><CertificateSubjectName>90-B3-…</…>
 *                                         or <CertificateSubjectAltName>00-DB-…</…>; optional
 *                                         <CertificateRole>, <CertificateUsage> (DS|KA),
 *                                         <CertificateStatus> (P|I|N|E|R) narrow the result
 *     200 application/xml <CertificateSearchResponse><ResponseCode>200</ResponseCode>…
 *         <Result><CertificateSerial>HEX</CertificateSerial><CertificateSubjectName|AltName>…
 *         <CertificateStatus>I</CertificateStatus>[<CertificateRole>4</CertificateRole>]
 *         <CertificateUsage>KA</CertificateUsage><ManufacturingFlag>false</ManufacturingFlag></Result>…
 *     402 nothing found; 401 a request that is not one of the above
 *   POST /services/retrievecertificate   <CertificateDataRequest><CertificateSerial>HEX</…>
 *     200 <CertificateDataResponse>…<CertificateResponse>… <CertificateBody>base64 DER</…></…>; 402 unknown
 *
 * The `apikey` query parameter DCC Boxed clients send is accepted and ignored. Also, for scripts:
 *   GET /api/certificates?subjectEui=&sanEui=&role=&usage=ds|ka&status=P|I|N|E|R  → JSON list
 *   GET /api/certificates/<serial>                                                 → PEM
 * Bodies over 64 KiB get 413. Request XML is parsed strictly and in linear time (xml-request.ts:
 * saxes; a DOCTYPE, an entity it does not know or a document of another shape get 401). Statuses are computed at the clock's date (E after notAfter).
 */

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Clock } from '../../sim/clock.ts';
import { toPem } from '../../sim/smki/certificate-info.ts';
import {
  CERTIFICATE_STATUSES,
  type CertificateStatus,
  duisEui,
  euiOfDuis,
  normaliseSerial,
  type RepositoryQuery,
  type RepositoryRecord,
  type SmkiRepository,
  statusAt,
} from '../../sim/smki/repository.ts';
import { parseXmlRequest } from '../../sim/smki/xml-request.ts';
import { listen } from '../http-listen.ts';

export const MAX_BODY_BYTES = 64 * 1024;

const _escapeXml = (s: string): string =>
  s.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!,
  );

/** The fields of a flat XML request whose root element is `root`, or null when it is refused (401). */
function xmlFields(body: string, root: string): Map<string, string> | null {
  const parsed = parseXmlRequest(body, root);
  return parsed.ok ? parsed.fields : null;
}

const serialHex = (r: RepositoryRecord): string => r.serial.toUpperCase();
const xmlHead = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>';

function resultXml(
  r: RepositoryRecord,
  at: number,
  tag: 'Result' | 'CertificateResponse',
  withBody: boolean,
): string {
  const parts = [`<CertificateSerial>${serialHex(r)}</CertificateSerial>`];
  if (r.kind === 'device' && r.eui)
    parts.unshift(`<CertificateSubjectAltName>${duisEui(r.eui)}</CertificateSubjectAltName>`);
  else if (r.eui) parts.unshift(`<CertificateSubjectName>${duisEui(r.eui)}</CertificateSubjectName>`);
  parts.push(`<CertificateStatus>${statusAt(r, at)}</CertificateStatus>`);
  if (withBody)
    parts.push(`<CertificateBody>${Buffer.from(r.certificate).toString('base64')}</CertificateBody>`);
  if (r.kind !== 'device' && r.role !== null) parts.push(`<CertificateRole>${r.role}</CertificateRole>`);
  if (r.usage) parts.push(`<CertificateUsage>${r.usage.toUpperCase()}</CertificateUsage>`);
  parts.push('<ManufacturingFlag>false</ManufacturingFlag>');
  return `<${tag}>${parts.join('')}</${tag}>`;
}

export interface RepositoryServerOptions {
  repository: SmkiRepository;
  clock: Clock;
  port?: number;
  host?: string;
}

/** Request handling, separate from the socket for tests. */
export function handleRepositoryRequest(
  o: { repository: SmkiRepository; clock: Clock; audit: () => string },
  method: string,
  url: URL,
  body: string,
): { status: number; type: string; body: string } {
  const at = o.clock.now();
  const xml = (status: number, root: string, inner = ''): { status: number; type: string; body: string } => ({
    status,
    type: 'application/xml; charset=utf-8',
    body: `${xmlHead}<${root}><ResponseCode>${status}</ResponseCode><ResponseMessage>${status === 200 ? 'Success' : status === 402 ? 'No certificate found' : 'Invalid request'}</ResponseMessage><AuditReference>${o.audit()}</AuditReference>${inner}</${root}>`,
  });
  if (method === 'POST' && url.pathname === '/services/certificatesearch') {
    const f = xmlFields(body, 'CertificateSearchRequest');
    if (!f) return xml(401, 'CertificateSearchResponse');
    const subject = f.get('CertificateSubjectName');
    const alt = f.get('CertificateSubjectAltName');
    const q: RepositoryQuery = { at };
    if ((subject === undefined) === (alt === undefined)) return xml(401, 'CertificateSearchResponse');
    const eui = euiOfDuis((subject ?? alt)!);
    if (!eui) return xml(401, 'CertificateSearchResponse');
    if (subject !== undefined) q.subjectEui = eui;
    else q.sanEui = eui;
    const role = f.get('CertificateRole');
    const usage = f.get('CertificateUsage');
    const status = f.get('CertificateStatus');
    if (role !== undefined) {
      if (!/^\d{1,3}$/.test(role)) return xml(401, 'CertificateSearchResponse');
      q.role = Number(role);
    }
    if (usage !== undefined) {
      if (usage !== 'DS' && usage !== 'KA') return xml(401, 'CertificateSearchResponse');
      q.usage = usage === 'DS' ? 'ds' : 'ka';
    }
    if (status !== undefined) {
      if (!CERTIFICATE_STATUSES.includes(status as CertificateStatus))
        return xml(401, 'CertificateSearchResponse');
      q.status = status as CertificateStatus;
    }
    const found = o.repository.search(q);
    if (found.length === 0) return xml(402, 'CertificateSearchResponse');
    return xml(
      200,
      'CertificateSearchResponse',
      found.map((r) => resultXml(r, at, 'Result', false)).join(''),
    );
  }
  if (method === 'POST' && url.pathname === '/services/retrievecertificate') {
    const f = xmlFields(body, 'CertificateDataRequest');
    const serial = f?.get('CertificateSerial');
    if (!f || serial === undefined || normaliseSerial(serial) === null)
      return xml(401, 'CertificateDataResponse');
    const r = o.repository.bySerial(serial);
    if (!r) return xml(402, 'CertificateDataResponse');
    return xml(200, 'CertificateDataResponse', resultXml(r, at, 'CertificateResponse', true));
  }
  if (method === 'GET' && url.pathname === '/api/certificates') {
    const p = url.searchParams;
    const q: RepositoryQuery = { at };
    const problems: string[] = [];
    for (const [k, set] of [
      ['subjectEui', (e: string) => (q.subjectEui = e)],
      ['sanEui', (e: string) => (q.sanEui = e)],
    ] as const) {
      const v = p.get(k);
      if (v !== null) {
        const e = euiOfDuis(v);
        if (e) set(e);
        else problems.push(`${k} is not an EUI-64`);
      }
    }
    const role = p.get('role');
    if (role !== null) {
      if (/^\d{1,3}$/.test(role)) q.role = Number(role);
      else problems.push('role is not a number');
    }
    const usage = p.get('usage')?.toLowerCase();
    if (usage !== undefined) {
      if (usage === 'ds' || usage === 'ka') q.usage = usage;
      else problems.push('usage is not ds or ka');
    }
    const status = p.get('status')?.toUpperCase();
    if (status !== undefined) {
      if (CERTIFICATE_STATUSES.includes(status as CertificateStatus)) q.status = status as CertificateStatus;
      else problems.push('status is not P, I, N, E or R');
    }
    if (problems.length > 0)
      return { status: 400, type: 'application/json', body: `${JSON.stringify({ error: problems })}\n` };
    const list = o.repository.search(q).map((r) => ({
      serial: r.serial,
      kind: r.kind,
      eui: r.eui,
      role: r.role,
      usage: r.usage,
      status: statusAt(r, at),
      subscriber: r.subscriber,
    }));
    return { status: 200, type: 'application/json', body: `${JSON.stringify(list)}\n` };
  }
  const one = /^\/api\/certificates\/([0-9A-Fa-f]+)$/.exec(url.pathname);
  if (method === 'GET' && one) {
    const r = o.repository.bySerial(one[1]!);
    return r
      ? { status: 200, type: 'application/x-pem-file', body: toPem(r.certificate) }
      : { status: 404, type: 'text/plain', body: 'no such certificate\n' };
  }
  return { status: 404, type: 'text/plain', body: 'not found\n' };
}

/** After a 413, the rest of the body is read and dropped for this long, or up to this many bytes, so
 * that the client (still sending) reads the answer instead of a connection reset. */
const DRAIN_MS = 5_000;
const DRAIN_BYTES = 256 * MAX_BODY_BYTES;

/**
 * The request body, or null when it is larger than MAX_BODY_BYTES (declared by Content-Length or
 * passed while streaming, chunked or not): `tooLarge` is called at once, and the rest is drained.
 */
function readBody(req: IncomingMessage, tooLarge: () => void): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let n = 0;
    let over = false;
    const overflow = () => {
      if (over) return;
      over = true;
      chunks.length = 0;
      tooLarge();
      const t = setTimeout(() => req.destroy(), DRAIN_MS);
      t.unref();
      req.once('close', () => clearTimeout(t));
    };
    if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) overflow();
    req.on('data', (c: Buffer) => {
      n += c.length;
      if (n > MAX_BODY_BYTES) overflow();
      if (!over) chunks.push(c);
      else if (n > DRAIN_BYTES) req.destroy();
    });
    req.on('end', () => resolve(over ? null : Buffer.concat(chunks).toString('utf8')));
    req.on('close', () => resolve(null));
    req.on('error', reject);
  });
}

/** Starts the HTTP repository service. Resolves once listening; `port` 0 picks a free one. */
export async function startRepositoryServer(
  o: RepositoryServerOptions,
): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  let audit = 0;
  const ctx = {
    repository: o.repository,
    clock: o.clock,
    audit: () => `gbcs-sim-${String(++audit).padStart(8, '0')}`,
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    readBody(req, () => {
      res
        .writeHead(413, { 'content-type': 'text/plain', connection: 'close' })
        .end(`request body larger than ${MAX_BODY_BYTES} bytes\n`);
    })
      .then((body) => {
        if (body === null || res.headersSent) return;
        const url = new URL(req.url ?? '/', 'http://localhost');
        const out = handleRepositoryRequest(ctx, req.method ?? 'GET', url, body);
        res.writeHead(out.status, { 'content-type': out.type }).end(out.body);
      })
      .catch(() => {
        if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/plain' }).end('bad request\n');
      });
  });
  return listen(server, o);
}
