/**
 * `gbcs-sim duis …` jobs as library functions (DESIGN §1 app/): they read files and wire sim/duis to
 * an HTTP port. `startDuisServe` is the DCC-shaped DUIS front door of `duis serve`: XML-signing
 * certificates from keystores, the DSP's XML-signing key, optional XSD validation from the user's
 * copy of the DUIS schema, and (until premises are wired) the stand-in backend that knows a list of
 * devices and acknowledges what passes access control.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { GbcsCrypto } from '../../protocol/crypto/gbcs-crypto.ts';
import { GbcsError } from '../../protocol/errors.ts';
import type { Eui64 } from '../../protocol/types.ts';
import type { Clock } from '../../sim/clock.ts';
import type { DeviceState } from '../../sim/device/state.ts';
import {
  type UserRoles,
  userRolesFromKeystore,
  userRolesFromTable,
  type XmlSigningCertificate,
  XmlSigningRegistry,
  xmlSigningCertificate,
} from '../../sim/duis/certificates.ts';
import { type DuisOutbox, MemoryOutbox } from '../../sim/duis/outbox.ts';
import { PremisesBackend } from '../../sim/duis/premises-backend.ts';
import type { OriginatorCounterStore } from '../../sim/duis/request-id.ts';
import {
  AcknowledgingBackend,
  type DuisAnswer,
  type DuisBackend,
  DuisService,
} from '../../sim/duis/service.ts';
import type { UserRole } from '../../sim/duis/service-requests.ts';
import type { XmlSigningKey } from '../../sim/duis/xmldsig.ts';
import { type DuisSchemaTexts, duisXsdValidator } from '../../sim/duis/xsd.ts';
import { pemBlocks, privateKeyOfDer } from '../../sim/smki/certificate-info.ts';
import type { Keystore } from '../../sim/smki/keystore.ts';
import { openDccDatabase } from '../../sim/store/dcc-database.ts';
import { SqliteCounterStore, SqliteDuisOutbox } from '../../sim/store/duis-outbox.ts';
import type { StateStore } from '../../sim/store/state-store.ts';
import { type CallbackDelivery, startCallbackDelivery } from './callback.ts';
import { type DuisHttpServer, startDuisServer } from './http.ts';

/** A configuration problem of a DUIS job (the CLI prints it and exits 2). */
export class DuisConfigError extends GbcsError {
  constructor(message: string) {
    super('DUIS_CONFIG', message);
    this.name = 'DuisConfigError';
  }
}

/**
 * Reads the DUIS, MMC and xmldsig schemas from a directory (file names containing `DUIS`, `MMC` and
 * `xmldsig`, any case, ending `.xsd` — e.g. the DCC signing tool's `DUIS Schema V5.4.xsd`).
 * @throws DuisConfigError naming what is missing
 */
export function readDuisSchemas(dir: string): DuisSchemaTexts {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => /\.xsd$/i.test(n) && statSync(join(dir, n)).isFile());
  } catch (e) {
    throw new DuisConfigError(`--xsd ${dir}: ${(e as Error).message}`);
  }
  const pick = (re: RegExp, what: string): string => {
    const found = names.filter((n) => re.test(n)).sort();
    if (found.length === 0)
      throw new DuisConfigError(`--xsd ${dir}: no ${what} schema (*.xsd named like ${re.source})`);
    return readFileSync(join(dir, found[found.length - 1]!), 'utf8');
  };
  return { duis: pick(/duis/i, 'DUIS'), mmc: pick(/mmc/i, 'MMC'), xmldsig: pick(/xmldsig/i, 'xmldsig-core') };
}

/**
 * The DSP's XML-signing key: the given certificate and private-key files, or else the keystores' DSP
 * XML-signing certificate (OU 89) that has a private key.
 * @throws DuisConfigError when none is found or the files do not go together
 */
export function dspSigningKey(
  keystore: Keystore,
  crypto: GbcsCrypto,
  files?: { certificate?: string; privateKey?: string },
): { key: XmlSigningKey; certificate: XmlSigningCertificate } {
  if (files?.certificate || files?.privateKey) {
    if (!files.certificate || !files.privateKey)
      throw new DuisConfigError('--dsp-cert and --dsp-key go together');
    const certificate = readCertificateFile(files.certificate);
    const privateKey = readPrivateKeyFile(files.privateKey);
    if (Buffer.compare(crypto.publicKeyOf(privateKey), certificate.publicKey) !== 0)
      throw new DuisConfigError(
        `--dsp-key ${files.privateKey} is not the key of --dsp-cert ${files.certificate}`,
      );
    return {
      key: { privateKey, issuerName: certificate.issuerName, serial: certificate.serial },
      certificate,
    };
  }
  const found = keystoreSigningKey(keystore, 'dsp');
  if (found) return found;
  throw new DuisConfigError(
    'no DSP XML-signing certificate (OU 89) with its private key in the keystores: give --dsp-cert and --dsp-key',
  );
}

/**
 * An XML-signing certificate of `party` (and of `eui` when given) in the keystores that has its
 * private key (on the entry, or a DS key of the same EUI with the same public key), or null.
 */
export function keystoreSigningKey(
  keystore: Keystore,
  party: 'user' | 'dsp',
  eui?: Eui64,
): { key: XmlSigningKey; certificate: XmlSigningCertificate } | null {
  for (const e of keystore.entries) {
    const c = e.certificate ? xmlSigningCertificate(e.certificate) : null;
    if (c?.party !== party || (eui !== undefined && c.eui !== eui)) continue;
    const privateKey =
      e.privateKey ??
      keystore.findAll(e.eui, 'ds').find((m) => m.publicKey && Buffer.compare(m.publicKey, c.publicKey) === 0)
        ?.privateKey;
    if (privateKey)
      return { key: { privateKey, issuerName: c.issuerName, serial: c.serial }, certificate: c };
  }
  return null;
}

/** An XML-signing certificate from a PEM or DER file. @throws DuisConfigError */
export function readCertificateFile(path: string): XmlSigningCertificate {
  let der: Uint8Array;
  try {
    const raw = readFileSync(path);
    const blocks = pemBlocks(raw.toString('latin1'));
    der = blocks.length > 0 ? blocks[0]!.der : new Uint8Array(raw);
  } catch (e) {
    throw new DuisConfigError(`${path}: ${(e as Error).message}`);
  }
  const c = xmlSigningCertificate(der);
  if (!c) throw new DuisConfigError(`${path}: not an XML-signing certificate (OU 87 or 89)`);
  return c;
}

/** A P-256 private key from a PKCS#8 / SEC 1 file, PEM or DER. @throws DuisConfigError */
export function readPrivateKeyFile(path: string): Uint8Array {
  try {
    const raw = readFileSync(path);
    const block = pemBlocks(raw.toString('latin1'))[0];
    if (block)
      return privateKeyOfDer(block.der, block.label === 'EC PRIVATE KEY' ? 'sec1' : 'pkcs8').privateKey;
    return privateKeyOfDer(new Uint8Array(raw), 'pkcs8').privateKey;
  } catch (e) {
    throw new DuisConfigError(`${path}: not a P-256 private key: ${(e as Error).message}`);
  }
}

/** Parses `--user EUI=IS,GS` options into a table. @throws DuisConfigError */
export function parseUserRoles(specs: readonly string[]): Map<Eui64, UserRole[]> {
  const table = new Map<Eui64, UserRole[]>();
  const known = new Set<string>(['IS', 'ES', 'GS', 'ED', 'GT', 'RSA', 'OU']);
  for (const s of specs) {
    const m = /^([0-9a-fA-F]{16}|[0-9a-fA-F]{2}(?:-[0-9a-fA-F]{2}){7})=([A-Za-z,]*)$/.exec(s);
    if (!m) throw new DuisConfigError(`--user ${s}: EUI=ROLE[,ROLE…] (roles IS ES GS ED GT RSA OU)`);
    const roles = m[2]!
      .split(',')
      .filter(Boolean)
      .map((r) => r.toUpperCase());
    const bad = roles.filter((r) => !known.has(r));
    if (bad.length) throw new DuisConfigError(`--user ${s}: unknown User Role ${bad.join(', ')}`);
    table.set(m[1]!.replaceAll('-', '').toLowerCase(), roles as UserRole[]);
  }
  return table;
}

export interface DuisServeOptions {
  keystore: Keystore;
  clock: Clock;
  crypto: GbcsCrypto;
  port?: number;
  host?: string;
  /** Directory with the DUIS XSD; without it requests get gbcs-sim's own structure checks only. */
  xsdDir?: string;
  dspFiles?: { certificate?: string; privateKey?: string };
  /** `--user` table; without it User Roles come from the keystore's GBCS organisation roles. */
  users?: ReadonlyMap<Eui64, readonly UserRole[]>;
  /** Devices the stand-in backend knows (ignored when `backend` is given). */
  devices?: readonly Eui64[];
  backend?: DuisBackend;
  /**
   * Virtual premises behind the service (`--premises N`, `--seed S`): the premises backend
   * (sim/duis/premises-backend.ts) instead of the stand-in; its outbox in `db` (the DCC database
   * file, `--db`) or in memory, delivered to `callback` (`--callback URL`).
   */
  premises?: {
    count: number;
    seed: string;
    db?: string;
    callback?: string;
    /** The devices' state (`--state DIR` or memory with `--ephemeral`); default memory. */
    devices?: StateStore<DeviceState>;
  };
  /** Events of the callback delivery (for logs). */
  onDelivery?: Parameters<typeof startCallbackDelivery>[0]['onEvent'];
  maxBodyBytes?: number;
  onAnswer?: (path: string, answer: DuisAnswer) => void;
}

export interface DuisServe {
  http: DuisHttpServer;
  /** With `premises`: the backend, its outbox and the callback delivery. */
  premises?: { backend: PremisesBackend; outbox: DuisOutbox; delivery: CallbackDelivery };
  /** Stops the delivery, the HTTP server and closes the database. */
  close(): Promise<void>;
  service: DuisService;
  dsp: XmlSigningCertificate;
  certificates: number;
  xsd: boolean;
}

/** Starts `duis serve`. @throws DuisConfigError for configuration problems; listen errors as they come */
export async function startDuisServe(o: DuisServeOptions): Promise<DuisServe> {
  const registry = new XmlSigningRegistry().addKeystore(o.keystore);
  const users = registry.size;
  if (users === 0)
    throw new DuisConfigError('no XML-signing certificate (OU 87) in the keystores: give --keystore');
  const dsp = dspSigningKey(o.keystore, o.crypto, o.dspFiles);
  registry.add(dsp.certificate.der);
  const userRoles: UserRoles = o.users ? userRolesFromTable(o.users) : userRolesFromKeystore(o.keystore);
  const xsd = o.xsdDir ? duisXsdValidator(readDuisSchemas(o.xsdDir)) : undefined;
  const maxBytes = o.maxBodyBytes;
  let premises: DuisServe['premises'];
  let closeDb = () => {};
  let counters: OriginatorCounterStore | undefined;
  if (o.premises) {
    let outbox: DuisOutbox;
    if (o.premises.db) {
      const db = openDccDatabase(o.premises.db);
      closeDb = () => db.close();
      outbox = new SqliteDuisOutbox(db);
      counters = new SqliteCounterStore(db);
    } else outbox = new MemoryOutbox();
    let delivery: CallbackDelivery | undefined;
    const backend = new PremisesBackend({
      premises: o.premises.count,
      seed: o.premises.seed,
      crypto: o.crypto,
      clock: o.clock,
      dsp: dsp.key,
      outbox,
      onEnqueued: () => delivery?.wake(),
      ...(o.premises.devices ? { devices: o.premises.devices } : {}),
    });
    delivery = startCallbackDelivery({
      outbox,
      clock: o.clock,
      ...(o.premises.callback ? { url: o.premises.callback } : {}),
      ...(o.onDelivery ? { onEvent: o.onDelivery } : {}),
    });
    premises = { backend, outbox, delivery };
  }
  const service = new DuisService({
    registry,
    userRoles,
    backend: o.backend ?? premises?.backend ?? new AcknowledgingBackend(o.devices ?? []),
    dsp: dsp.key,
    clock: o.clock,
    crypto: o.crypto,
    ...(counters ? { counters } : {}),
    ...(xsd ? { xsd } : {}),
    ...(maxBytes === undefined ? {} : { limits: { maxBytes } }),
  });
  const http = await startDuisServer({
    service,
    ...(o.port === undefined ? {} : { port: o.port }),
    ...(o.host === undefined ? {} : { host: o.host }),
    ...(maxBytes === undefined ? {} : { maxBodyBytes: maxBytes }),
    ...(o.onAnswer ? { onAnswer: o.onAnswer } : {}),
  });
  return {
    http,
    service,
    ...(premises ? { premises } : {}),
    close: async () => {
      premises?.delivery.stop();
      await http.close();
      closeDb();
    },
    dsp: dsp.certificate,
    certificates: registry.size,
    xsd: xsd !== undefined,
  };
}
