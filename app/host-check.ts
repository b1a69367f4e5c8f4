/**
 * DNS-rebinding guard for a local HTTP server (the web console): the Host header must name the
 * address the server listens on, and a state-changing request that carries an Origin must come
 * from the server's own origin.
 *
 * Why: a page on `http://evil.example` whose name is re-pointed at 127.0.0.1 reaches the server
 * with `Host: evil.example`; a cross-site form or fetch carries `Origin: http://evil.example`.
 * Neither ever names the server itself. (Host: RFC 9110 §7.2; 421 Misdirected Request: §15.5.20;
 * Origin: RFC 6454 §7.)
 */
import { isIP } from 'node:net';

/** The names a loopback server answers to whatever it was bound to. */
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
/** Bind addresses meaning "every interface": then any IP literal is the server (no DNS name can be rebound to it without being one). */
const WILDCARD = new Set(['0.0.0.0', '::', '[::]']);

function bracket(host: string): string {
  return isIP(host) === 6 ? `[${host}]` : host;
}

/**
 * Whether `host` (a Host header: `name:port`, IPv6 in brackets) names a server bound to `bindHost`
 * (the --host given, default 127.0.0.1) on `port`. Names compare case-insensitively; the port must
 * be given and equal.
 */
export function hostAllowed(host: string | undefined, bindHost: string, port: number): boolean {
  if (!host) return false;
  const m = /^(\[[0-9a-f:.]+\]|[^:[\]]+):(\d+)$/i.exec(host.trim());
  if (!m || Number(m[2]) !== port) return false;
  const name = m[1]!.toLowerCase();
  if (LOOPBACK.has(name)) return true;
  const bind = bracket(bindHost.toLowerCase());
  if (name === bind) return true;
  return WILDCARD.has(bind) && isIP(name.replace(/^\[|\]$/g, '')) !== 0;
}

/** Whether `origin` (an Origin header) is `http://` + a host that {@link hostAllowed} accepts. */
export function originAllowed(origin: string, bindHost: string, port: number): boolean {
  let u: URL;
  try {
    u = new URL(origin);
  } catch {
    return false;
  }
  if (u.protocol !== 'http:' || origin !== u.origin) return false;
  return hostAllowed(u.port === '' ? `${u.hostname}:80` : u.host, bindHost, port);
}

/** Methods that change nothing (RFC 9110 §9.2.1): their Origin is not checked. */
export const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The refusal for a request, or null to serve it: 421 for a Host that does not name the server,
 * 403 for a state-changing request whose Origin is another site.
 */
export function requestRefusal(
  r: { method: string; host: string | undefined; origin: string | undefined },
  bindHost: string,
  port: number,
): { status: 421 | 403; code: 'HOST_NOT_ALLOWED' | 'ORIGIN_NOT_ALLOWED'; message: string } | null {
  if (!hostAllowed(r.host, bindHost, port))
    return {
      status: 421,
      code: 'HOST_NOT_ALLOWED',
      message: `Host ${JSON.stringify(r.host ?? '')} does not name this server (port ${port})`,
    };
  if (!SAFE_METHODS.has(r.method.toUpperCase()) && r.origin !== undefined) {
    if (!originAllowed(r.origin, bindHost, port))
      return {
        status: 403,
        code: 'ORIGIN_NOT_ALLOWED',
        message: `Origin ${JSON.stringify(r.origin)} is not this console`,
      };
  }
  return null;
}
