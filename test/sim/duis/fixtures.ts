/**
 * Shared fixtures of the DUIS tests: the DCC signing tool's samples, keys and XSD and the DUIS
 * templates, read in place from ../shared (GPL test data, never copied), and a DuisService built on
 * the DCC Boxed ZAZ1 keystore. Suites skip with a message when ../shared is absent.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { createCrypto } from '../../../protocol/crypto/index.ts';
import { pemBlocks, privateKeyOfDer } from '../../../sim/certificate-info.ts';
import { VirtualClock } from '../../../sim/clock.ts';
import {
  type UserRoles,
  userRolesFromKeystore,
  type XmlSigningCertificate,
  XmlSigningRegistry,
  xmlSigningCertificate,
} from '../../../sim/duis/certificates.ts';
import { AcknowledgingBackend, type DuisBackend, DuisService } from '../../../sim/duis/service.ts';
import { signDuisXml, type XmlSigningKey } from '../../../sim/duis/xmldsig.ts';
import { duisXsdValidator } from '../../../sim/duis/xsd.ts';
import { type Keystore, loadKeystore } from '../../../sim/keystore.ts';
import { SHARED_DIR } from '../../helpers/shared.ts';

const TOOL = join(SHARED_DIR, 'samples', 'smartdcc-dccboxed-signing-tool');
export const HAVE_SHARED = existsSync(join(TOOL, 'duis-xml')) && existsSync(join(SHARED_DIR, 'vectors'));

/** `describe` for suites that read the DUIS samples in ../shared: skipped, saying why, when absent. */
export function describeDuis(name: string, fn: () => void): void {
  if (HAVE_SHARED) describe(name, fn);
  else describe(name, () => it.skip(`needs the DUIS samples in ${TOOL} (set GBCS_SIM_SHARED)`, () => {}));
}

export const sample = (name: string): string => readFileSync(join(TOOL, 'duis-xml', name), 'utf8');
export const keyFile = (name: string): Buffer => readFileSync(join(TOOL, 'zaz1-keys', name));
const TEMPLATES = join(SHARED_DIR, 'samples', 'smartdcc-duis-templates', 'templates');
export const templateNames = (): string[] => readdirSync(TEMPLATES).sort();
export const template = (name: string): string => readFileSync(join(TEMPLATES, name), 'utf8');
export const vector = (name: string): any =>
  JSON.parse(readFileSync(join(SHARED_DIR, 'vectors', name), 'utf8'));
export const xsdText = (name: string): string => readFileSync(join(TOOL, 'xsd', name), 'utf8');

/** The DUIS XSD 5.4 from the signing tool's copy. */
export const xsd = () =>
  duisXsdValidator({
    duis: xsdText('DUIS_Schema_V5.4.xsd'),
    mmc: xsdText('MMC_Schema_V5.4.xsd'),
    xmldsig: xsdText('xmldsig-core-schema.xsd'),
  });

export const certOf = (pemFile: string): XmlSigningCertificate =>
  xmlSigningCertificate(pemBlocks(keyFile(pemFile).toString('latin1'))[0]!.der)!;
export const privateKeyOf = (derFile: string): Uint8Array =>
  privateKeyOfDer(new Uint8Array(keyFile(derFile)), 'pkcs8').privateKey;

/**
 * The DSP key as the brief and the DCC tool want it: the ZAZ1 `Z1-accessControlBroker-dSPXmlSign`
 * private key, naming the `dsp-xml-sign-90B3D51F30000002-ds` certificate of the same key, which the
 * DCC tool knows by serial.
 */
export const dspKey = (): XmlSigningKey => {
  const cert = certOf('dsp-xml-sign-90B3D51F30000002-ds.pem');
  return {
    privateKey: privateKeyOf('Z1-accessControlBroker-dSPXmlSign.key'),
    issuerName: cert.issuerName,
    serial: cert.serial,
  };
};

/** A user's XML-signing key from the ZAZ1 set, e.g. `90B3D51F30010000` (the Z1 supplier). */
export const userKey = (euiUpper: string): XmlSigningKey => {
  const cert = certOf(`xml-sign-${euiUpper}-ds.pem`);
  return {
    privateKey: privateKeyOf(`xml-sign-${euiUpper}-ds.key`),
    issuerName: cert.issuerName,
    serial: cert.serial,
  };
};

export const crypto = createCrypto('noble');
export const NOW = Date.UTC(2026, 0, 15, 12);

export const SUPPLIER = '90b3d51f30010000';
export const NETWORK_OPERATOR = '90b3d51f30020000';
export const OTHER_USER = '00db123456780004';
export const SAMPLE_DEVICE = '000781d7000036ce';

let ks: Keystore | undefined;
export const zaz1Keystore = (): Keystore => {
  ks ??= loadKeystore(join(SHARED_DIR, 'vectors', 'smartdcc-dccboxed-keystore.zaz1.json'));
  return ks;
};

/** A DuisService over the ZAZ1 keystore with the stand-in backend knowing `devices`. */
export function zaz1Service(
  o: { devices?: string[]; backend?: DuisBackend; userRoles?: UserRoles; xsd?: boolean } = {},
): { service: DuisService; backend: AcknowledgingBackend; registry: XmlSigningRegistry } {
  const registry = new XmlSigningRegistry().addKeystore(zaz1Keystore());
  const backend = new AcknowledgingBackend(
    o.devices ?? [SAMPLE_DEVICE, '00db1234567890a0', '00db1234567890a1'],
  );
  const service = new DuisService({
    registry,
    userRoles: o.userRoles ?? userRolesFromKeystore(zaz1Keystore()),
    backend: o.backend ?? backend,
    dsp: dspKey(),
    clock: new VirtualClock(NOW),
    crypto,
    ...(o.xsd ? { xsd: xsd() } : {}),
  });
  return { service, backend, registry };
}

/** Rewrites a request's RequestID (and optionally CV, SRV) and signs it with a ZAZ1 user key. */
export function signedRequest(
  xml: string,
  o: { key?: string; requestId?: string; commandVariant?: number; counter?: bigint } = {},
): string {
  let x = xml.replace(/<ds:Signature[\s\S]*<\/ds:Signature>\s*/, '');
  if (o.requestId) x = x.replace(/<sr:RequestID>[^<]*</, `<sr:RequestID>${o.requestId}<`);
  if (o.counter !== undefined) x = x.replace(/(<sr:RequestID>[^<]*:)\d+</, `$1${o.counter}<`);
  if (o.commandVariant !== undefined)
    x = x.replace(/<sr:CommandVariant>\d+</, `<sr:CommandVariant>${o.commandVariant}<`);
  return signDuisXml(x, userKey(o.key ?? '90B3D51F30010000'), crypto);
}

export const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
