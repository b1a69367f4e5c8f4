/**
 * The DUIS web services over HTTP, at DCC Boxed's paths, so DCC Boxed clients (the DCC's Node-RED
 * nodes, head-ends, scripts) can point at gbcs-sim:
 *
 *   POST /api/v1/serviceS   Send Command service (Command Variants 1, 3, 5, 7)
 *   POST /api/v1/serviceD   Non-Device service (2, 6, 8)
 *   POST /api/v1/serviceT   Transform service (4)
 *
 * `application/xml` in and out (service.ts answers). Bodies over the limit are refused with 413 as
 * soon as they pass it (the rest is discarded, not buffered, and the connection closed); other
 * methods 405, other paths 404. node:http: three
 * routes need no framework, as for the SMKI repository service (app/smki/http.ts).
 */

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type DuisAnswer, DuisService } from '../../sim/duis/service.ts';
import type { DuisWebService } from '../../sim/duis/service-requests.ts';
import { DEFAULT_MAX_XML_BYTES } from '../../sim/duis/xml.ts';
import { listen } from '../http-listen.ts';

export const DUIS_PATHS: Readonly<Record<string, DuisWebService>> = {
  '/api/v1/serviceS': 'S',
  '/api/v1/serviceD': 'D',
  '/api/v1/serviceT': 'T',
};

export interface DuisHttpOptions {
  service: DuisService;
  port?: number;
  host?: string;
  maxBodyBytes?: number;
  /** Called once per answered request (for logs). */
  onAnswer?: (path: string, answer: DuisAnswer) => void;
}

export interface DuisHttpServer {
  server: Server;
  url: string;
  close(): Promise<void>;
}

function send(res: ServerResponse, a: DuisAnswer): void {
  if (res.headersSent) return;
  res.writeHead(a.status, a.headers).end(a.body);
}

/** Starts the DUIS HTTP service; resolves once listening (`port` 0 picks a free one). */
export async function startDuisServer(o: DuisHttpOptions): Promise<DuisHttpServer> {
  const max = o.maxBodyBytes ?? DEFAULT_MAX_XML_BYTES;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const ws = Object.hasOwn(DUIS_PATHS, path) ? DUIS_PATHS[path] : undefined;
    const finish = (a: DuisAnswer) => {
      send(res, a);
      o.onAnswer?.(path, a);
    };
    if (!ws) {
      req.resume();
      return finish(DuisService.httpRefusal('NOT_FOUND', `no DUIS service at ${path}`));
    }
    if (req.method !== 'POST') {
      req.resume();
      res.setHeader('allow', 'POST');
      return finish(DuisService.httpRefusal('METHOD_NOT_ALLOWED', `${req.method} ${path}`));
    }
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > max) {
      res.setHeader('connection', 'close');
      finish(DuisService.httpRefusal('BODY_TOO_LARGE', `more than ${max} bytes`));
      req.resume(); // discarded; the connection closes once the 413 is out
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      if (over) return;
      size += c.length;
      if (size > max) {
        over = true;
        res.setHeader('connection', 'close');
        finish(DuisService.httpRefusal('BODY_TOO_LARGE', `more than ${max} bytes`));
        return;
      }
      chunks.push(c);
    });
    req.on('error', () => {});
    req.on('end', () => {
      if (over) return;
      void o.service
        .handle(ws, new Uint8Array(Buffer.concat(chunks)), req.headers['content-type'])
        .then(finish);
    });
  });
  server.on('clientError', (_e, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
  });
  return listen(server, o);
}
