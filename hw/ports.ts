/**
 * Port listing that degrades gracefully. `SerialPort.list()` asks udev (`udevadm`) on Linux; in
 * containers and minimal images it is missing (`spawn udevadm ENOENT`), so the listing falls back
 * to scanning the device tree: /dev/serial/by-id (stable names of USB adapters), /dev/ttyUSB*,
 * /dev/ttyACM*, /dev/ttyAMA*, /dev/ttyS* that have a driver other than the 8250 placeholders, and
 * the pseudo-terminals /dev/pts/N (where socat pairs live).
 */
import { readdirSync, readFileSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { SerialPort } from 'serialport';

export interface PortEntry {
  /** Path to open. */
  path: string;
  kind: 'serial' | 'usb' | 'pty' | 'by-id';
  /** For by-id links: the device they name. */
  target?: string;
  manufacturer?: string;
  serialNumber?: string;
  vendorId?: string;
  productId?: string;
}

export interface PortListing {
  /** `serialport` (udev/OS enumeration) or `scan` (the fallback). */
  source: 'serialport' | 'scan';
  ports: PortEntry[];
  /** Why the fallback was used. */
  warning?: string;
}

const kindOf = (path: string): PortEntry['kind'] =>
  path.startsWith('/dev/pts/') ? 'pty' : /ttyUSB|ttyACM/.test(path) ? 'usb' : 'serial';

/** Lists ports: serialport's enumeration when it works (plus ptys), else a /dev scan. Never throws. */
export async function listPorts(): Promise<PortListing> {
  try {
    const found = await SerialPort.list();
    const ports: PortEntry[] = found.map((p) => {
      const e: PortEntry = { path: p.path, kind: kindOf(p.path) };
      if (p.manufacturer) e.manufacturer = p.manufacturer;
      if (p.serialNumber) e.serialNumber = p.serialNumber;
      if (p.vendorId) e.vendorId = p.vendorId;
      if (p.productId) e.productId = p.productId;
      return e;
    });
    return { source: 'serialport', ports: [...ports, ...scanPtys()] };
  } catch (e) {
    return {
      source: 'scan',
      ports: scanDev(),
      warning: `serialport list failed (${(e as Error).message}); scanned /dev`,
    };
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir).sort(naturalCompare);
  } catch {
    return [];
  }
}

function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

function scanPtys(): PortEntry[] {
  return safeReaddir('/dev/pts')
    .filter((n) => /^\d+$/.test(n))
    .map((n) => ({ path: `/dev/pts/${n}`, kind: 'pty' as const }));
}

/** A /dev/ttyS* with a real UART behind it (the 8250 driver registers 4–32 placeholders). */
function realTtyS(name: string): boolean {
  try {
    const driver = basename(readlinkSync(`/sys/class/tty/${name}/device/driver`));
    if (driver !== 'serial8250') return true;
    // A placeholder has no I/O port or IRQ worth the name; a real 8250 UART has a nonzero irq.
    const irq = Number(readFileSafe(`/sys/class/tty/${name}/irq`));
    const port = readFileSafe(`/sys/class/tty/${name}/port`).trim();
    return irq > 0 && port !== '0x0';
  } catch {
    return false;
  }
}

function readFileSafe(p: string): string {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return '';
  }
}

function scanDev(): PortEntry[] {
  const out: PortEntry[] = [];
  for (const n of safeReaddir('/dev/serial/by-id')) {
    const path = join('/dev/serial/by-id', n);
    let target: string | undefined;
    try {
      target = realpathSync(path);
    } catch {
      target = undefined;
    }
    out.push(target ? { path, kind: 'by-id', target } : { path, kind: 'by-id' });
  }
  for (const n of safeReaddir('/dev')) {
    if (/^tty(USB|ACM|AMA)\d+$/.test(n) || (/^ttyS\d+$/.test(n) && realTtyS(n))) {
      try {
        if (statSync(`/dev/${n}`).isCharacterDevice())
          out.push({ path: `/dev/${n}`, kind: kindOf(`/dev/${n}`) });
      } catch {
        // vanished meanwhile
      }
    }
  }
  out.push(...scanPtys());
  return out;
}
