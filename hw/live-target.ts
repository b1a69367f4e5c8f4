/**
 * Is a bridge target a live device or a lab's loopback? (issue 8, finding 8: test keys stay off
 * live paths.) Labs and CI drive `serve`d premises over pseudo-terminals and loopback TCP; anything
 * else may be a physical Communications Hub.
 *
 * - A port is a pseudo-terminal when its path, with every symlink followed (serve's `--pty` link,
 *   a socat `link=`), names a character device that is a pty slave: `/dev/pts/<n>` (Linux devpts,
 *   where nothing but ptys can exist) or `/dev/ttys<n>` / `/dev/ttyp<n>` (macOS, BSD). Every other
 *   existing path — /dev/ttyUSB0, /dev/ttyACM0, /dev/ttyS0, /dev/serial/by-id/…, a FIFO — is a
 *   device, and so is a missing path under /dev other than /dev/pts (an adapter not plugged in
 *   yet); any other missing path (a pty link that `serve` has not made yet) cannot be classified
 *   until it exists (`missing`).
 * - A TCP host is loopback when it is written as one: `localhost`, an IPv4 address in 127.0.0.0/8,
 *   `::1` (bracketed or not) or an IPv4-mapped `::ffff:127.x.y.z`. Names are not resolved: a name
 *   that resolves to loopback counts as live (no DNS answer decides what is safe).
 */
import { realpathSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';

export type PortKind = 'pty' | 'device' | 'missing';

const PTY_SLAVE = /^\/dev\/(pts\/\d+|ttys\d+|ttyp[0-9a-f])$/;

/** What `path` is now (see above). Never throws. */
export function portKind(path: string): PortKind {
  let real: string;
  try {
    real = realpathSync(path);
  } catch (e) {
    // Missing under /dev (an adapter not plugged in yet, /dev/serial/by-id/…): a device node to be.
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return 'device';
    return /^\/dev\/(?!pts\/)/.test(resolve(path)) ? 'device' : 'missing';
  }
  try {
    return PTY_SLAVE.test(real) && statSync(real).isCharacterDevice() ? 'pty' : 'device';
  } catch {
    return 'device';
  }
}

/** True when `host` is written as a loopback address (see above). */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  // ::1 in any spelling (0:0:0:0:0:0:0:1, ::0001), or an IPv4-mapped 127.x.y.z.
  if (isIP(h) === 6) return /^0*:(0*:)*0*1$/.test(h) || /^::ffff:127\.\d+\.\d+\.\d+$/.test(h);
  return false;
}

/**
 * Why a target is live (a phrase for a message naming `flag`, the option that gave the path), or
 * null when it is a pseudo-terminal or a loopback address (see above).
 */
export function whyLive(target: { host: string } | { path: string }, flag = '--port'): string | null {
  if ('host' in target)
    return isLoopbackHost(target.host) ? null : `--tcp host ${target.host} is not a loopback address`;
  const kind = portKind(target.path);
  return kind === 'pty'
    ? null
    : kind === 'missing'
      ? `${flag} ${target.path} does not exist, so is not known to be a pseudo-terminal`
      : `${flag} ${target.path} is not a pseudo-terminal`;
}
