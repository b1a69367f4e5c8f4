/**
 * Keystores from the file system (DESIGN §4 `--keystore PATH`): a directory in the DCC tools'
 * layout, one `<eui>-{ds,ka,pp-ka}.{pem,key}` file, or a JSON keystore file — read here, parsed by
 * sim/smki/keystore.ts.
 */
import { readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import {
  at,
  badKeystore,
  type CellUsage,
  Keystore,
  KeystoreLoader,
  type KeyUsage,
  type LoadKeystoreOptions,
  parseKeystoreJson,
} from '../smki/keystore.ts';
import { readFileBounded } from './bounded-read.ts';

/**
 * Largest keystore file read (bytes): 16 MiB, some 480 times the published DCC Boxed keystore
 * (35 kB JSON) and far above any PEM key file. A larger file, or an endless source, is refused
 * after reading at most this many bytes plus one.
 */
export const MAX_KEYSTORE_FILE_BYTES = 16 * 1024 * 1024;

/** The text of a keystore file, read with the cap (`MAX_KEYSTORE_FILE_BYTES`). */
function readKeystoreText(path: string): string {
  const r = at(path, () => readFileBounded(path, MAX_KEYSTORE_FILE_BYTES));
  if (r.tooLarge) throw badKeystore(path, `larger than ${MAX_KEYSTORE_FILE_BYTES} bytes`);
  return r.bytes.toString('utf8');
}

/** `<eui>-ds.pem`, `<eui>-ka.key`, `<eui>-pp-ka.pem`… (DCC tools' layout). */
const DCC_FILE = /^([0-9a-fA-F]{16})-(ds|ka|pp-ka)\.(pem|key)$/;

function loadDccFile(path: string, name: string, loader: KeystoreLoader): boolean {
  const m = DCC_FILE.exec(name);
  if (!m) return false;
  const eui = m[1]!.toLowerCase();
  const usage: KeyUsage = m[2] === 'ds' ? 'ds' : 'ka';
  const cell: CellUsage = m[2] === 'pp-ka' ? 'prepayment' : 'management';
  const text = readKeystoreText(path);
  loader.entries.push(...at(path, () => loader.pem(text, eui, usage, cell, path)));
  return true;
}

function loadDccDirectory(dir: string, loader: KeystoreLoader): Keystore {
  const names = at(dir, () => readdirSync(dir)).sort();
  let files = 0;
  for (const name of names) {
    const path = join(dir, name);
    if (!DCC_FILE.test(name) || !statSync(path, { throwIfNoEntry: false })?.isFile()) continue;
    loadDccFile(path, name, loader);
    files++;
  }
  if (files === 0) throw badKeystore(dir, 'directory holds no <eui>-{ds,ka,pp-ka}.{pem,key} files');
  return loader.finish();
}

/**
 * Loads a keystore, detecting its format: a directory (DCC tools' layout; files not named
 * `<eui>-{ds,ka,pp-ka}.{pem,key}` are ignored), one such file, or a JSON file (`parseKeystoreJson`).
 * In the directory layout the EUI, key usage and cell come from the file name; a certificate that
 * names another EUI or usage is misfiled (see `LoadKeystoreOptions`).
 * @throws GbcsError BAD_KEYSTORE, the message naming the file (and entry) and the problem, the
 *   cause chained: the path does not exist or cannot be read, a directory has no key files, a
 *   matching file or JSON entry does not parse, a JSON file is none of the formats, a misfiled
 *   certificate when `strict`, the path is not a file or directory (a device, a FIFO: "not a file"),
 *   a file is larger than `MAX_KEYSTORE_FILE_BYTES`
 */
export function loadKeystore(path: string, options?: LoadKeystoreOptions): Keystore {
  const st = at(path, () => statSync(path, { throwIfNoEntry: false }));
  if (!st) throw badKeystore(path, 'no such file or directory');
  const loader = new KeystoreLoader(options);
  if (st.isDirectory()) return loadDccDirectory(path, loader);
  if (!st.isFile()) throw badKeystore(path, 'not a file');
  if (loadDccFile(path, basename(path), loader)) return loader.finish();
  const text = readKeystoreText(path);
  return parseKeystoreJson(text, path, options);
}

/** `loadKeystore` of each path, merged in order (earlier paths rank first in `find`). */
export function loadKeystores(paths: readonly string[], options?: LoadKeystoreOptions): Keystore {
  const ks = new Keystore();
  for (const p of paths) ks.merge(loadKeystore(p, options));
  return ks;
}
