/**
 * XML signatures as DCC Boxed and its signing tool make them on DUIS messages (W3C XMLDSig 1.1):
 *
 *   <ds:Signature> (the last child of the root element: an enveloped signature)
 *     <ds:SignedInfo>
 *       <ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>
 *       <ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"/>
 *       <ds:Reference URI="">  (the whole document)
 *         <ds:Transforms><ds:Transform Algorithm="…#enveloped-signature"/></ds:Transforms>
 *         <ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue>…
 *     <ds:SignatureValue> base64 of the 64-byte raw r‖s (the Java tool folds it with `&#13;\n`)
 *     <ds:KeyInfo><ds:X509Data><ds:X509IssuerSerial>
 *       <ds:X509IssuerName>CN=Z1,OU=07</…><ds:X509SerialNumber>decimal</…>
 *
 * Anything else (several signatures, other algorithms, other references or transforms, a DER
 * signature, no X509IssuerSerial) is refused as not the profile, so what verifies is always the whole
 * document. Like the DCC tool, whitespace between elements is not significant: messages are signed
 * without it, and verified as they are or, failing that, without it. Canonicalisation, digests and reference processing are xml-crypto's; the ECDSA P-256
 * operations go through the project's `GbcsCrypto` back-end (noble or node), raw r‖s both ways.
 */
import { XMLSerializer } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import type { GbcsCrypto } from '../../protocol/crypto/gbcs-crypto.ts';
import { ErrorCode, GbcsError } from '../../protocol/errors.ts';
import { DSIG_NS } from './request.ts';
import { elementChildren, escapeXml, leafText, readDuisXml } from './xml.ts';

export const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
export const ECDSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256';
export const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';
export const SHA256 = 'http://www.w3.org/2001/04/xmlenc#sha256';

export interface SignatureProfile {
  signature: Element;
  issuerName: string;
  /** X509SerialNumber (a decimal integer). */
  serial: bigint;
  /** The 64-byte r‖s. */
  signatureValue: Uint8Array;
}

export type ProfileResult =
  | { ok: true; profile: SignatureProfile }
  | { ok: false; code: 'SIGNATURE_ABSENT' | 'SIGNATURE_PROFILE'; detail: string };

const notProfile = (detail: string): ProfileResult => ({ ok: false, code: 'SIGNATURE_PROFILE', detail });
const ds = (el: Element | undefined, name: string): el is Element =>
  el !== undefined && el.namespaceURI === DSIG_NS && el.localName === name;

/** Decodes strict base64 after removing XML whitespace (the Java tool's `&#13;\n` folds); null if not base64. */
export function decodeBase64Text(text: string): Uint8Array | null {
  const s = text.replace(/[\s\r\n]+/g, '');
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(s)) return null;
  return new Uint8Array(Buffer.from(s, 'base64'));
}

/** Finds the document's signature and checks it has the DUIS profile (module comment). Never throws. */
export function readSignatureProfile(root: Element): ProfileResult {
  const all = root.getElementsByTagNameNS(DSIG_NS, 'Signature');
  if (all.length === 0) return { ok: false, code: 'SIGNATURE_ABSENT', detail: 'no ds:Signature' };
  if (all.length > 1) return notProfile('more than one ds:Signature');
  const sig = all.item(0)!;
  const kids = elementChildren(root);
  if (sig.parentNode !== root || kids[kids.length - 1] !== sig)
    return notProfile('the ds:Signature must be the last child of the root element');
  const [signedInfo, value, keyInfo, ...more] = elementChildren(sig);
  if (!ds(signedInfo, 'SignedInfo') || !ds(value, 'SignatureValue') || !ds(keyInfo, 'KeyInfo') || more.length)
    return notProfile('Signature must hold SignedInfo, SignatureValue and KeyInfo only');
  const [c14n, method, reference, ...refs] = elementChildren(signedInfo);
  if (!ds(c14n, 'CanonicalizationMethod') || c14n.getAttribute('Algorithm') !== EXC_C14N)
    return notProfile('CanonicalizationMethod must be exclusive c14n');
  if (!ds(method, 'SignatureMethod') || method.getAttribute('Algorithm') !== ECDSA_SHA256)
    return notProfile('SignatureMethod must be ecdsa-sha256');
  if (!ds(reference, 'Reference') || refs.length > 0) return notProfile('exactly one Reference');
  if (reference.getAttribute('URI') !== '' || !reference.hasAttribute('URI'))
    return notProfile('the Reference must have URI="" (the whole document)');
  const [transforms, digestMethod, digestValue, ...r] = elementChildren(reference);
  const tList = ds(transforms, 'Transforms') ? elementChildren(transforms) : [];
  const algs = tList.map((t) => (ds(t, 'Transform') ? t.getAttribute('Algorithm') : null));
  const okTransforms =
    (algs.length === 1 && algs[0] === ENVELOPED) ||
    (algs.length === 2 && algs[0] === ENVELOPED && algs[1] === EXC_C14N);
  if (!okTransforms)
    return notProfile('Transforms must be enveloped-signature (then optionally exclusive c14n)');
  if (!ds(digestMethod, 'DigestMethod') || digestMethod.getAttribute('Algorithm') !== SHA256)
    return notProfile('DigestMethod must be sha256');
  if (!ds(digestValue, 'DigestValue') || r.length > 0) return notProfile('DigestValue missing');
  const valueBytes = decodeBase64Text(leafText(value) ?? '');
  if (valueBytes?.length !== 64) return notProfile('SignatureValue must be 64 bytes r‖s in base64');
  const [x509Data, ...k] = elementChildren(keyInfo);
  const [issuerSerial, ...x] = ds(x509Data, 'X509Data') ? elementChildren(x509Data) : [];
  if (!ds(issuerSerial, 'X509IssuerSerial') || k.length || x.length)
    return notProfile('KeyInfo must be X509Data/X509IssuerSerial');
  const [issuerName, serialNumber, ...y] = elementChildren(issuerSerial);
  const serialText = ds(serialNumber, 'X509SerialNumber') ? leafText(serialNumber) : null;
  if (!ds(issuerName, 'X509IssuerName') || !serialText || !/^\d{1,50}$/.test(serialText) || y.length)
    return notProfile('X509IssuerSerial must hold X509IssuerName and a decimal X509SerialNumber');
  return {
    ok: true,
    profile: {
      signature: sig,
      issuerName: leafText(issuerName) ?? '',
      serial: BigInt(serialText),
      signatureValue: valueBytes,
    },
  };
}

/** An xml-crypto signature algorithm backed by GbcsCrypto (raw r‖s, base64). */
function ecdsaAlgorithm(crypto: GbcsCrypto, key: { publicKey?: Uint8Array; privateKey?: Uint8Array }) {
  return class {
    getAlgorithmName(): string {
      return ECDSA_SHA256;
    }
    getSignature(signedInfo: unknown): string {
      const msg = Buffer.from(String(signedInfo), 'utf8');
      return Buffer.from(crypto.sign(key.privateKey!, msg)).toString('base64');
    }
    verifySignature(material: string, _key: unknown, signatureValue: string): boolean {
      const sig = decodeBase64Text(signatureValue);
      if (sig?.length !== 64 || !key.publicKey) return false;
      return crypto.verify(key.publicKey, Buffer.from(material, 'utf8'), sig);
    }
  };
}

/**
 * The message as the DCC signing tool signs and verifies it: whitespace-only text between elements
 * removed (the tool drops it before signing, so a pretty-printed copy of what it signed verifies with
 * it, and what it verifies must have been signed that way). Text inside leaf elements is kept.
 * @returns the compact text, or null when `text` is not readable XML
 */
export function compactDuisXml(text: string): string | null {
  const x = readDuisXml(text);
  if (!x.ok) return null;
  const stack: Node[] = [x.root];
  while (stack.length > 0) {
    const n = stack.pop()!;
    const kids = elementChildren(n);
    if (kids.length === 0) continue;
    for (let c = n.firstChild; c; ) {
      const next = c.nextSibling;
      if (c.nodeType === 3 && (c.nodeValue ?? '').trim() === '') n.removeChild(c);
      c = next;
    }
    stack.push(...kids);
  }
  return new XMLSerializer().serializeToString(x.document);
}

function verifyText(
  text: string,
  profile: SignatureProfile,
  publicKey: Uint8Array,
  crypto: GbcsCrypto,
): boolean {
  try {
    const sx = new SignedXml({ publicCert: 'unused', getCertFromKeyInfo: () => null });
    sx.SignatureAlgorithms = { [ECDSA_SHA256]: ecdsaAlgorithm(crypto, { publicKey }) } as never;
    sx.loadSignature(profile.signature);
    return sx.checkSignature(text) === true;
  } catch {
    return false;
  }
}

/**
 * Verifies the enveloped signature of `text` (the exact text that was parsed into `profile`'s
 * document) with a P-256 public key (65-byte point). Digest and signature must both hold.
 * Never throws: false for any failure.
 */
export function verifyDuisSignature(
  text: string,
  profile: SignatureProfile,
  publicKey: Uint8Array,
  crypto: GbcsCrypto,
): boolean {
  if (verifyText(text, profile, publicKey, crypto)) return true;
  // As the DCC tool verifies: on the message without whitespace between elements.
  const compact = compactDuisXml(text);
  if (compact === null || compact === text) return false;
  const x = readDuisXml(compact);
  const p = x.ok ? readSignatureProfile(x.root) : null;
  return p?.ok === true && verifyText(x.ok ? x.text : '', p.profile, publicKey, crypto);
}

export interface XmlSigningKey {
  /** 32-byte P-256 scalar. */
  privateKey: Uint8Array;
  /** X509IssuerName as written in KeyInfo, e.g. `CN=Z1,OU=07`. */
  issuerName: string;
  /** The certificate's serial. */
  serial: bigint;
}

/**
 * Signs an unsigned DUIS message (its root gets the enveloped ds:Signature as last child) with the
 * DUIS profile, after removing whitespace between elements as the DCC signing tool does (so the tool
 * validates what we sign). The input must be well-formed XML without a ds:Signature.
 * @throws GbcsError MISUSE when the input is not well-formed (callers sign XML they built themselves)
 */
export function signDuisXml(xml: string, key: XmlSigningKey, crypto: GbcsCrypto): string {
  const compact = compactDuisXml(xml);
  if (compact === null) throw new GbcsError(ErrorCode.MISUSE, 'signDuisXml: not well-formed DUIS XML');
  const sx = new SignedXml({
    privateKey: 'unused',
    signatureAlgorithm: ECDSA_SHA256,
    canonicalizationAlgorithm: EXC_C14N,
    getKeyInfoContent: ({ prefix } = {}) => {
      const p = prefix ? `${prefix}:` : '';
      return (
        `<${p}X509Data><${p}X509IssuerSerial><${p}X509IssuerName>${escapeXml(key.issuerName)}</${p}X509IssuerName>` +
        `<${p}X509SerialNumber>${key.serial}</${p}X509SerialNumber></${p}X509IssuerSerial></${p}X509Data>`
      );
    },
  });
  sx.SignatureAlgorithms = {
    [ECDSA_SHA256]: ecdsaAlgorithm(crypto, { privateKey: key.privateKey }),
  } as never;
  sx.addReference({
    xpath: '/*',
    uri: '',
    isEmptyUri: true,
    transforms: [ENVELOPED],
    digestAlgorithm: SHA256,
  });
  sx.computeSignature(compact, { prefix: 'ds', location: { reference: '/*', action: 'append' } });
  return sx.getSignedXml();
}
