/**
 * Keystores: the SMKI keys and certificates of remote parties and devices that the decoder, the
 * replayer and the virtual devices use (DESIGN §4 `--keystore PATH`). Three formats load:
 *
 * 1. a directory in the DCC tools' layout (gbcs-parser `test/rtds/keystore`): `<eui>-ds.pem|key`,
 *    `<eui>-ka.pem|key`, `<eui>-pp-ka.pem|key` (pp = the Supplier's prepayment KA cell). `.pem`
 *    holds a CERTIFICATE (or a bare PUBLIC KEY), `.key` a PKCS#8 (or SEC 1) private key;
 * 2. a DCC Boxed `keystore.json` (dccboxed-keystore `schema.json`):
 *    `{ "<eui>": { "digitalSignature"|"keyAgreement": { "<decimal serial>": { certificate, privateKey?, role?, name? } } } }`,
 *    also wrapped as `{ keystore: {…} }` (shared/vectors/smartdcc-dccboxed-keystore.zaz1.json);
 * 3. gbcs-sim's own file, written by `serializeKeystore`:
 *    `{ "format": "gbcs-sim.keystore/1", "entries": [ { eui, usage, cell, role, kind?, certificate?: PEM,
 *    publicKey?: hex (65 bytes), privateKey?: hex (32 bytes) } ] }`;
 *
 * and, as a convenience, the `{ entries: [ { eui, keyUsage: "DS"|"KA", prepaymentCell, type, pem } ] }`
 * form of shared/vectors/rtds-4.5.0.keystore.json.
 *
 * A Keystore keeps every entry; `find` merges the entries of one (EUI, key usage, cell) slot.
 */
import { fromHex, toHex } from '../../protocol/bytes.ts';
import { ErrorCode, GbcsError } from '../../protocol/errors.ts';
import type { Eui64 } from '../../protocol/types.ts';
import { isEui64 } from '../../protocol/types.ts';
import {
  type CertificateInfo,
  certificateInfo,
  type EntryKind,
  type KeyUsage,
  pemBlocks,
  privateKeyOfDer,
  publicKeyOfPrivate,
  publicKeyOfSpki,
  toPem,
  uncompressedPoint,
} from './certificate-info.ts';

export type { CertificateInfo, EntryKind, KeyUsage } from './certificate-info.ts';
export { certificateInfo } from './certificate-info.ts';

/** Trust-anchor cell usage (GBCS CellUsage): `prepayment` = the Supplier's "pp-ka" credential used for UTRN. */
export type CellUsage = 'management' | 'prepayment';

export interface KeystoreEntry {
  /** 16 lowercase hex digits. */
  eui: Eui64;
  usage: KeyUsage;
  cell: CellUsage;
  /**
   * Remote Party Role: the organisation certificate's OU read as hex (OU=02 -> 2, OU=87 -> 135), or
   * the keystore.json `role`; null for device certificates, bare keys and unknown.
   */
  role: number | null;
  kind: EntryKind;
  /** 65-byte uncompressed P-256 point. */
  publicKey: Uint8Array | null;
  /** 32-byte scalar. */
  privateKey: Uint8Array | null;
  /** DER. */
  certificate: Uint8Array | null;
  /** Certificate serial, lowercase hex. */
  serial: string | null;
  /** Where it came from: a file path, or `<file>#<eui>/<usage>/<serial>` / `<file>#entries/<i>` inside a JSON keystore. */
  source: string;
}

/** The merged view of one (EUI, usage, cell) key pair. */
export interface KeystoreMatch {
  publicKey: Uint8Array | null;
  privateKey: Uint8Array | null;
  role: number | null;
  kind: EntryKind;
  certificate: Uint8Array | null;
}

export const KEYSTORE_FORMAT = 'gbcs-sim.keystore/1';

/**
 * Roles 0x80 and above are not GBCS Remote Party Roles: DCC Boxed uses them for DUIS (OU=87) and
 * DSP (OU=89) XML-signing certificates, which share the EUI of the organisation's GBCS ones.
 */
const isXmlSigningRole = (role: number | null): boolean => role !== null && role >= 0x80;

const slotKey = (eui: Eui64, usage: KeyUsage, cell: CellUsage): string => `${eui}/${usage}/${cell}`;

/** A set of keystore entries with look-up by (EUI, key usage, cell). */
export class Keystore {
  readonly #entries: KeystoreEntry[] = [];
  readonly #slots = new Map<string, KeystoreEntry[]>();
  readonly #matches = new Map<string, KeystoreMatch[]>();
  readonly #effectiveKeys = new WeakMap<KeystoreEntry, Uint8Array | null>();
  /** What loading skipped and why (`<file>: <problem>; skipped`), for the CLI to print. */
  readonly warnings: string[] = [];

  constructor(entries?: Iterable<KeystoreEntry>) {
    if (entries) for (const e of entries) this.add(e);
  }

  /**
   * Adds an entry. The same (EUI, usage, cell) may come several times (a `.pem` and its `.key`, the
   * same certificate from two keystores, Z1 and Z1b sets): all are kept, `find` merges them.
   * @throws GbcsError MISUSE when `eui` is not 16 lowercase hex digits
   */
  add(e: KeystoreEntry): void {
    if (!isEui64(e.eui))
      throw new GbcsError(
        ErrorCode.MISUSE,
        `keystore entry EUI ${JSON.stringify(e.eui)} is not 16 lowercase hex digits`,
      );
    this.#entries.push(e);
    const k = slotKey(e.eui, e.usage, e.cell);
    const slot = this.#slots.get(k);
    if (slot) slot.push(e);
    else this.#slots.set(k, [e]);
    this.#matches.delete(k);
  }

  /** Adds every entry (and warning) of `other`, after this one's, so this one's rank first. Returns this. */
  merge(other: Keystore): Keystore {
    for (const e of other.entries) this.add(e);
    this.warnings.push(...other.warnings);
    return this;
  }

  get entries(): readonly KeystoreEntry[] {
    return this.#entries;
  }

  /** The public key an entry stands for: its own, its certificate's, or its private key's. */
  #effectiveKey(e: KeystoreEntry): Uint8Array | null {
    let k = this.#effectiveKeys.get(e);
    if (k === undefined) {
      k = e.publicKey ?? (e.certificate ? certificateInfo(e.certificate).publicKey : null);
      if (!k && e.privateKey) k = publicKeyOfPrivate(e.privateKey);
      this.#effectiveKeys.set(e, k);
    }
    return k;
  }

  /**
   * Every distinct key pair of the slot, best first: entries are grouped by public key (a private
   * key joins the group of its public key); groups rank GBCS roles before XML-signing roles
   * (≥ 0x80), then those with a certificate or stated public key before bare private keys, then in
   * the order added. Useful when one EUI has several certificates (DCC Boxed holds a Z1 and a Z1b
   * set): a verifier tries each.
   */
  findAll(eui: Eui64, usage: KeyUsage, cell: CellUsage = 'management'): readonly KeystoreMatch[] {
    const k = slotKey(eui, usage, cell);
    let cached = this.#matches.get(k);
    if (cached) return cached;
    const groups = new Map<string, { order: number; entries: KeystoreEntry[] }>();
    (this.#slots.get(k) ?? []).forEach((e, order) => {
      const key = this.#effectiveKey(e);
      if (!key) return;
      const h = toHex(key);
      const g = groups.get(h);
      if (g) g.entries.push(e);
      else groups.set(h, { order, entries: [e] });
    });
    const ranked = [...groups.entries()].map(([h, g]) => {
      const withCert = g.entries.find((e) => e.certificate);
      const role = g.entries.find((e) => e.role !== null)?.role ?? null;
      const stated = g.entries.some((e) => e.certificate || e.publicKey);
      return {
        rank: [isXmlSigningRole(role) ? 1 : 0, stated ? 0 : 1, g.order] as const,
        match: {
          publicKey: fromHex(h),
          privateKey: g.entries.find((e) => e.privateKey)?.privateKey ?? null,
          role,
          kind: (withCert ?? g.entries[0]!).kind,
          certificate: withCert?.certificate ?? null,
        },
      };
    });
    ranked.sort((a, b) => a.rank[0] - b.rank[0] || a.rank[1] - b.rank[1] || a.rank[2] - b.rank[2]);
    cached = ranked.map((r) => r.match);
    this.#matches.set(k, cached);
    return cached;
  }

  /** Every key pair of the slot, best first (KeyResolver.keyPairs: verifiers try each generation). */
  keyPairs(eui: Eui64, usage: KeyUsage, cell: CellUsage = 'management'): readonly KeystoreMatch[] {
    return this.findAll(eui, usage, cell);
  }

  /** Every public key of the slot, best first (for signature checks across key generations). */
  publicKeys(eui: Eui64, usage: KeyUsage, cell: CellUsage = 'management'): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (const m of this.findAll(eui, usage, cell)) if (m.publicKey) out.push(m.publicKey);
    return out;
  }

  /** The best key pair of the slot (first of `findAll`), or undefined when the slot is empty. */
  find(eui: Eui64, usage: KeyUsage, cell: CellUsage = 'management'): KeystoreMatch | undefined {
    return this.findAll(eui, usage, cell)[0];
  }

  /** Public key of the slot's best pair; derived from the private key when only that is known. */
  publicKey(eui: Eui64, usage: KeyUsage, cell: CellUsage = 'management'): Uint8Array | undefined {
    return this.find(eui, usage, cell)?.publicKey ?? undefined;
  }

  /** Private key of the slot's best pair (the one that goes with `publicKey`). */
  privateKey(eui: Eui64, usage: KeyUsage, cell: CellUsage = 'management'): Uint8Array | undefined {
    return this.find(eui, usage, cell)?.privateKey ?? undefined;
  }

  /** Every EUI with an entry, sorted. */
  euis(): Eui64[] {
    return [...new Set(this.#entries.map((e) => e.eui))].sort();
  }

  /** Role of the EUI's entries: the first GBCS role (< 0x80) seen, else the first role, else null. */
  roleOf(eui: Eui64): number | null {
    let fallback: number | null = null;
    for (const e of this.#entries) {
      if (e.eui !== eui || e.role === null) continue;
      if (!isXmlSigningRole(e.role)) return e.role;
      fallback ??= e.role;
    }
    return fallback;
  }
}

export const badKeystore = (where: string, problem: string, cause?: unknown): GbcsError =>
  new GbcsError(ErrorCode.BAD_KEYSTORE, `${where}: ${problem}`, cause === undefined ? undefined : { cause });

/** Runs `f`, turning any failure into BAD_KEYSTORE naming `where` (GbcsError BAD_KEYSTORE passes as is). */
export function at<T>(where: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof GbcsError && e.code === ErrorCode.BAD_KEYSTORE) throw e;
    throw badKeystore(where, (e as Error).message ?? String(e), e);
  }
}

/** How loaders treat a certificate filed under another EUI or key usage than its own. */
export interface LoadKeystoreOptions {
  /**
   * true: throw BAD_KEYSTORE. false (default): skip it, and any bare key of the same EUI with the
   * same public key, and say so in `Keystore.warnings`. The default is lenient because the DCC's
   * own published keystore has such a file: gbcs-parser `test/rtds/keystore/90b3d51f30000007-ka.pem`
   * (and the `.key` beside it) hold Supplier 90b3d51f30030000's KA credential.
   */
  strict?: boolean;
}

const rawEntry = (
  eui: Eui64,
  usage: KeyUsage,
  cell: CellUsage,
  keys: { publicKey: Uint8Array | null; privateKey: Uint8Array | null },
  source: string,
): KeystoreEntry => ({
  eui,
  usage,
  cell,
  role: null,
  kind: 'raw',
  ...keys,
  certificate: null,
  serial: null,
  source,
});

/**
 * Collects the entries of one keystore, applying the misfiled-certificate policy (the file loaders of
 * sim/store/keystore-files.ts fill it too).
 */
export class KeystoreLoader {
  readonly strict: boolean;
  readonly entries: KeystoreEntry[] = [];
  readonly warnings: string[] = [];
  /** `<eui>/<public key hex>` of skipped certificates: bare keys filed with them go too. */
  readonly #skipped = new Set<string>();

  constructor(options: LoadKeystoreOptions | undefined) {
    this.strict = options?.strict ?? false;
  }

  /**
   * An entry for a DER certificate filed under `eui`/`usage` (either null: take the certificate's),
   * or null when it contradicts them and the load is lenient.
   */
  certificate(
    der: Uint8Array,
    filed: { eui: Eui64 | null; usage: KeyUsage | null; role?: number | null },
    cell: CellUsage,
    where: string,
  ): (KeystoreEntry & { info: CertificateInfo }) | null {
    const info = certificateInfo(der);
    const eui = filed.eui ?? info.eui;
    if (!eui)
      throw new GbcsError(
        ErrorCode.BAD_KEY,
        'certificate has no EUI-64 (no x500UniqueIdentifier or hardwareModuleName)',
      );
    const usage = filed.usage ?? info.usage;
    if (!usage)
      throw new GbcsError(
        ErrorCode.BAD_KEY,
        'certificate is neither a digitalSignature nor a keyAgreement certificate',
      );
    const problem =
      info.eui !== null && info.eui !== eui
        ? `certificate is for EUI ${info.eui}, filed under ${eui}`
        : info.usage !== null && info.usage !== usage
          ? `certificate key usage is ${info.usage}, filed as ${usage}`
          : null;
    if (problem) {
      if (this.strict) throw badKeystore(where, problem);
      this.warnings.push(`${where}: ${problem}; skipped`);
      this.#skipped.add(`${eui}/${toHex(info.publicKey)}`);
      return null;
    }
    return {
      eui,
      usage,
      cell,
      role: filed.role ?? info.role,
      kind: info.kind,
      publicKey: info.publicKey,
      privateKey: null,
      certificate: der,
      serial: info.serial,
      source: where,
      info,
    };
  }

  /** Entries of the PEM blocks of one `.pem`/`.key` file or PEM string. */
  pem(text: string, eui: Eui64, usage: KeyUsage, cell: CellUsage, where: string): KeystoreEntry[] {
    const blocks = pemBlocks(text);
    if (blocks.length === 0) throw new GbcsError(ErrorCode.BAD_KEY, 'no PEM block');
    const out: KeystoreEntry[] = [];
    for (const b of blocks) {
      if (b.label === 'CERTIFICATE') {
        const e = this.certificate(b.der, { eui, usage }, cell, where);
        if (e) out.push(stripInfo(e));
      } else if (b.label === 'PUBLIC KEY') {
        out.push(rawEntry(eui, usage, cell, { publicKey: publicKeyOfSpki(b.der), privateKey: null }, where));
      } else if (b.label === 'PRIVATE KEY' || b.label === 'EC PRIVATE KEY') {
        const keys = privateKeyOfDer(b.der, b.label === 'PRIVATE KEY' ? 'pkcs8' : 'sec1');
        out.push(rawEntry(eui, usage, cell, keys, where));
      } else {
        throw new GbcsError(ErrorCode.BAD_KEY, `unsupported PEM block ${b.label}`);
      }
    }
    return out;
  }

  finish(): Keystore {
    const ks = new Keystore();
    for (const e of this.entries) {
      if (!e.certificate && e.publicKey && this.#skipped.has(`${e.eui}/${toHex(e.publicKey)}`)) {
        this.warnings.push(`${e.source}: key of a certificate filed under the wrong EUI or usage; skipped`);
        continue;
      }
      ks.add(e);
    }
    ks.warnings.push(...this.warnings);
    return ks;
  }
}

const stripInfo = ({ info: _, ...e }: KeystoreEntry & { info?: CertificateInfo }): KeystoreEntry => e;

type Json = unknown;
const isObject = (v: Json): v is Record<string, Json> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const DCC_BOXED_USAGES: Record<string, KeyUsage> = { digitalSignature: 'ds', keyAgreement: 'ka' };

const isDccBoxed = (v: Json): v is Record<string, Json> =>
  isObject(v) &&
  Object.entries(v).every(
    ([eui, u]) =>
      /^[0-9a-fA-F]{16}$/.test(eui) &&
      isObject(u) &&
      Object.keys(u).every((k) => Object.hasOwn(DCC_BOXED_USAGES, k)),
  );

/**
 * Whether a DCC Boxed keystore.json entry name marks the Supplier's prepayment KA credential. The
 * file has no field for the cell; its names do ("Z1-supplierPP-ka", "Z1b-supplierPP-ka",
 * "Z1-supplier2PP-ka", against "Z1-supplier-ka"). Rule: `name`, split into words at
 * non-alphanumerics and lower-to-upper case changes, has a word "pp" or one starting with
 * "prepayment" (case-insensitive). (A plain substring "pp" would match every "supplier".)
 * Only keyAgreement entries go to the prepayment cell: GBCS has no prepayment DS cell.
 */
export function isPrepaymentName(name: string): boolean {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .some((w) => /^pp$/i.test(w) || /^prepayment/i.test(w));
}

function parseDccBoxed(store: Record<string, Json>, source: string, loader: KeystoreLoader): Keystore {
  for (const [euiKey, usages] of Object.entries(store)) {
    const eui = euiKey.toLowerCase();
    for (const [usageName, serials] of Object.entries(usages as Record<string, Json>)) {
      const usage = DCC_BOXED_USAGES[usageName]!;
      if (!isObject(serials))
        throw badKeystore(`${source}#${euiKey}/${usageName}`, 'not an object of serials');
      for (const [serialKey, rec] of Object.entries(serials)) {
        const where = `${source}#${euiKey}/${usageName}/${serialKey}`;
        const e = at(where, () => dccBoxedEntry(rec, eui, usage, serialKey, where, loader));
        if (e) loader.entries.push(e);
      }
    }
  }
  return loader.finish();
}

function dccBoxedEntry(
  rec: Json,
  eui: Eui64,
  usage: KeyUsage,
  serialKey: string,
  where: string,
  loader: KeystoreLoader,
): KeystoreEntry | null {
  if (!isObject(rec)) throw new GbcsError(ErrorCode.BAD_KEY, 'entry is not an object');
  const { certificate, privateKey, role, name } = rec;
  if (typeof certificate !== 'string') throw new GbcsError(ErrorCode.BAD_KEY, 'no "certificate" PEM');
  if (privateKey !== undefined && typeof privateKey !== 'string')
    throw new GbcsError(ErrorCode.BAD_KEY, '"privateKey" is not a PEM string');
  if (role !== undefined && (typeof role !== 'number' || !Number.isInteger(role)))
    throw new GbcsError(ErrorCode.BAD_KEY, '"role" is not an integer');
  if (name !== undefined && typeof name !== 'string')
    throw new GbcsError(ErrorCode.BAD_KEY, '"name" is not a string');
  const cell: CellUsage =
    usage === 'ka' && name !== undefined && isPrepaymentName(name) ? 'prepayment' : 'management';
  const der = onlyCertificate(certificate);
  const entry = loader.certificate(der, { eui, usage, role: role ?? null }, cell, where);
  if (!entry) return null;
  if (/^[0-9]+$/.test(serialKey) && BigInt(serialKey) !== BigInt(`0x${entry.info.serial}`))
    throw new GbcsError(ErrorCode.BAD_KEY, `certificate serial is 0x${entry.info.serial}, not ${serialKey}`);
  if (privateKey !== undefined) {
    const keys = loader.pem(privateKey, eui, usage, cell, where);
    if (keys.length !== 1 || !keys[0]!.privateKey)
      throw new GbcsError(ErrorCode.BAD_KEY, '"privateKey" is not one private key');
    if (toHex(keys[0]!.publicKey!) !== toHex(entry.publicKey!))
      throw new GbcsError(ErrorCode.BAD_KEY, '"privateKey" does not belong to the certificate');
    entry.privateKey = keys[0]!.privateKey;
  }
  return stripInfo(entry);
}

function onlyCertificate(pem: string): Uint8Array {
  const blocks = pemBlocks(pem);
  if (blocks.length !== 1 || blocks[0]!.label !== 'CERTIFICATE')
    throw new GbcsError(ErrorCode.BAD_KEY, '"certificate" is not one PEM CERTIFICATE');
  return blocks[0]!.der;
}

/** shared/vectors/rtds-4.5.0.keystore.json: `{ entries: [ { eui, keyUsage, prepaymentCell, type, pem } ] }`. */
function parseVectorEntries(list: Json[], source: string, loader: KeystoreLoader): Keystore {
  list.forEach((rec, i) => {
    const where = `${source}#entries/${i}`;
    loader.entries.push(
      ...at(where, (): KeystoreEntry[] => {
        if (!isObject(rec)) throw new GbcsError(ErrorCode.BAD_KEY, 'entry is not an object');
        // CA certificates (the Issuing CA "Z1") have no EUI and are no one's DS/KA key: no slot.
        if (rec.eui === null) return [];
        if (typeof rec.eui !== 'string' || !/^[0-9a-fA-F]{16}$/.test(rec.eui))
          throw new GbcsError(ErrorCode.BAD_KEY, '"eui" is not an EUI-64');
        const usage = rec.keyUsage === 'DS' ? 'ds' : rec.keyUsage === 'KA' ? 'ka' : null;
        if (!usage)
          throw new GbcsError(
            ErrorCode.BAD_KEY,
            `"keyUsage" ${JSON.stringify(rec.keyUsage)} is not "DS" or "KA"`,
          );
        if (typeof rec.pem !== 'string') throw new GbcsError(ErrorCode.BAD_KEY, 'no "pem"');
        const cell: CellUsage = rec.prepaymentCell === true ? 'prepayment' : 'management';
        const label = { certificate: 'CERTIFICATE', privateKey: 'PRIVATE KEY', publicKey: 'PUBLIC KEY' }[
          String(rec.type)
        ];
        const blocks = pemBlocks(rec.pem);
        if (blocks.length !== 1 || (label !== undefined && blocks[0]!.label !== label))
          throw new GbcsError(ErrorCode.BAD_KEY, `"pem" is not one ${label ?? 'PEM'} block`);
        return loader.pem(rec.pem, rec.eui.toLowerCase(), usage, cell, where);
      }),
    );
  });
  return loader.finish();
}

function ownEntry(rec: Json, where: string, loader: KeystoreLoader): KeystoreEntry | null {
  if (!isObject(rec)) throw new GbcsError(ErrorCode.BAD_KEY, 'entry is not an object');
  const { eui, usage, cell, role, kind, certificate, publicKey, privateKey } = rec;
  if (typeof eui !== 'string' || !isEui64(eui))
    throw new GbcsError(ErrorCode.BAD_KEY, '"eui" is not 16 lowercase hex digits');
  if (usage !== 'ds' && usage !== 'ka') throw new GbcsError(ErrorCode.BAD_KEY, '"usage" is not "ds" or "ka"');
  if (cell !== undefined && cell !== 'management' && cell !== 'prepayment')
    throw new GbcsError(ErrorCode.BAD_KEY, '"cell" is not "management" or "prepayment"');
  if (role !== undefined && role !== null && (typeof role !== 'number' || !Number.isInteger(role)))
    throw new GbcsError(ErrorCode.BAD_KEY, '"role" is not an integer or null');
  if (kind !== undefined && !['device', 'organisation', 'ca', 'raw'].includes(kind as string))
    throw new GbcsError(ErrorCode.BAD_KEY, '"kind" is not device, organisation, ca or raw');
  for (const [k, v] of Object.entries({ certificate, publicKey, privateKey }))
    if (v !== undefined && v !== null && typeof v !== 'string')
      throw new GbcsError(ErrorCode.BAD_KEY, `"${k}" is not a string`);
  const c: CellUsage = cell ?? 'management';
  const priv = typeof privateKey === 'string' ? fromHex(privateKey) : null;
  const pub = typeof publicKey === 'string' ? uncompressedPoint(fromHex(publicKey)) : null;
  // `publicKey` stays as stated (null included) so that the round trip is exact.
  const derived = priv ? publicKeyOfPrivate(priv) : null;
  if (pub && derived && toHex(pub) !== toHex(derived))
    throw new GbcsError(ErrorCode.BAD_KEY, '"privateKey" does not belong to "publicKey"');
  const key = pub ?? derived;
  let entry: KeystoreEntry;
  if (typeof certificate === 'string') {
    const e = loader.certificate(onlyCertificate(certificate), { eui, usage, role: null }, c, where);
    if (!e) return null;
    if (key && toHex(key) !== toHex(e.publicKey!))
      throw new GbcsError(ErrorCode.BAD_KEY, 'key does not belong to "certificate"');
    entry = stripInfo(e);
    entry.privateKey = priv;
  } else {
    if (!key)
      throw new GbcsError(ErrorCode.BAD_KEY, 'entry has no "certificate", "publicKey" or "privateKey"');
    entry = rawEntry(eui, usage, c, { publicKey: pub, privateKey: priv }, where);
    entry.kind = (kind as EntryKind | undefined) ?? 'raw';
  }
  // The file's role is authoritative when stated (null included): it is what serializeKeystore wrote.
  if (role !== undefined) entry.role = role as number | null;
  return entry;
}

/**
 * Parses a JSON keystore: gbcs-sim's own format (`format: "gbcs-sim.keystore/1"`), a DCC Boxed
 * keystore.json (bare or as `{ keystore: {…} }`), or the rtds-4.5.0.keystore.json `entries` list.
 * DCC Boxed: the entry's `role`, when present, wins over the certificate's OU; `isPrepaymentName`
 * of its `name` puts a KA entry in the prepayment cell; the serial key must equal the certificate's
 * serial; `privateKey` must belong to the certificate. Entries list: entries with `eui: null` (the
 * Issuing CA certificate) are skipped.
 * @param source the file name, used in `source` fields and error messages
 * @throws GbcsError BAD_KEYSTORE naming `source` (and the entry) and the problem
 */
export function parseKeystoreJson(text: string, source: string, options?: LoadKeystoreOptions): Keystore {
  let doc: Json;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw badKeystore(
      source,
      `not a keystore directory, key file or JSON keystore (${(e as Error).message})`,
      e,
    );
  }
  const loader = new KeystoreLoader(options);
  if (isObject(doc) && 'format' in doc) {
    if (doc.format !== KEYSTORE_FORMAT)
      throw badKeystore(
        source,
        `unsupported keystore format ${JSON.stringify(doc.format)} (expected ${KEYSTORE_FORMAT})`,
      );
    if (!Array.isArray(doc.entries)) throw badKeystore(source, '"entries" is not an array');
    doc.entries.forEach((rec: Json, i: number) => {
      const where = `${source}#entries/${i}`;
      const e = at(where, () => ownEntry(rec, where, loader));
      if (e) loader.entries.push(e);
    });
    return loader.finish();
  }
  if (isObject(doc) && Array.isArray(doc.entries)) return parseVectorEntries(doc.entries, source, loader);
  if (isObject(doc) && isDccBoxed(doc.keystore)) return parseDccBoxed(doc.keystore, source, loader);
  if (isDccBoxed(doc)) return parseDccBoxed(doc, source, loader);
  throw badKeystore(
    source,
    'JSON is not a keystore: expected {"format": "gbcs-sim.keystore/1", "entries": […]}, a DCC Boxed keystore.json {"<eui>": {"digitalSignature"|"keyAgreement": {…}}} or {"entries": […]}',
  );
}

/**
 * gbcs-sim's own keystore file (JSON, 2-space indent, trailing newline): every entry in order with
 * `eui`, `usage`, `cell`, `role`, then `certificate` (PEM) when there is one, else `publicKey`
 * (hex, when known) and `kind` (when not 'raw'); `privateKey` (hex) when known.
 * `parseKeystoreJson` of the result gives the same entries (all fields but `source`).
 */
export function serializeKeystore(ks: Keystore): string {
  const entries = ks.entries.map((e) => {
    const out: Record<string, unknown> = { eui: e.eui, usage: e.usage, cell: e.cell, role: e.role };
    if (e.certificate) out.certificate = toPem(e.certificate);
    else {
      if (e.kind !== 'raw') out.kind = e.kind;
      if (e.publicKey) out.publicKey = toHex(e.publicKey);
    }
    if (e.privateKey) out.privateKey = toHex(e.privateKey);
    return out;
  });
  return `${JSON.stringify({ format: KEYSTORE_FORMAT, entries }, null, 2)}\n`;
}
