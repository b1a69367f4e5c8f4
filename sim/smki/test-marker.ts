/**
 * Test certificates and how to recognise them (issue 8, finding 8): every certificate gbcs-sim
 * generates carries a TEST marker, and the test PKIs DCC published (ZAZ1 of DCC Boxed, the RTDS
 * 4.5.0 keystore) are recognised by their CAs, so that `keys validate` reports both and `bridge`
 * keeps their keys off live paths.
 *
 * **The marker is in the CA names.** gbcs-sim's four CAs are named with the word TEST in their
 * CN (`OU=00, CN=GS TEST`, `OU=07, CN=G1 TEST`, `CN=GSD0 TEST`, `CN=GSD1 TEST`), so every
 * certificate they issue carries it in its issuer name and every CA certificate in its subject too.
 * Why there rather than elsewhere:
 * - the Device Certificate profile has an EMPTY subject (GBCS 4.3.2; DEVICE_SUBJECT_NOT_EMPTY), so
 *   an end-entity name cannot carry it; the issuer name is never empty (ISSUER_EMPTY);
 * - GBCS requires exactly ONE certificate policy, the environment's (POLICY_NOT_SINGLE): a second
 *   "test" policy breaks the profile, and replacing the environment's policy would make the
 *   certificates useless where they are meant to be used;
 * - a private extension needs an OID of our own. The only one free of registration is a 2.25 UUID
 *   arc (ITU-T X.667), a 128-bit integer that common ASN.1 stacks cannot carry: asn1js 3.1 (under
 *   @peculiar/asn1-schema) decodes it to a placeholder and re-encodes it wrongly (PeculiarVentures/ASN1.js #174, which
 *   broke the signature of a certificate built with it), other libraries refuse such arcs, and a
 *   meter's parser might too. A name is plain X.500 that every tool and device handles: the
 *   certificates pass gbcs-sim's validator and `openssl verify -x509_strict` unchanged.
 * The rule that recognises the marker is general: a CN of the issuer (or, for a CA certificate, of
 * the subject) containing the word TEST, so a lab's own test CAs named that way count too.
 *
 * **Published test PKIs** carry no marker. A certificate belongs to one when its
 * authorityKeyIdentifier (or, for a CA certificate, its own subjectKeyIdentifier) is the key
 * identifier of one of their CAs below, read from the published certificates (RTDS 4.5.0
 * keystore and messages, DCC Boxed keystore.json and signing tool); a certificate without an AKI
 * (RTDS Load Controller, DCC Boxed XML-signing certificates) is matched by its issuer name instead.
 * Key identifiers are hashes of the CA public keys (RFC 5280 §4.2.1.2 method 2), so a production
 * CA does not share them by accident; names could, hence only as the fallback.
 */

/** The word that marks a test CA's name. */
export const TEST_MARKER = 'TEST';

/** The CN of a gbcs-sim test CA: `<code> TEST`. */
export const testCaCommonName = (code: string): string => `${code} ${TEST_MARKER}`;

const MARKED = new RegExp(`\\b${TEST_MARKER}\\b`);

export interface PublishedTestCa {
  /** subjectKeyIdentifier of the CA (8 bytes, hex) = the AKI of what it issued. */
  keyId: string;
  /** Its subject as `formatName` writes it. */
  name: string;
  /** Where its certificates are published. */
  pki: string;
}

/** CAs of the test PKIs DCC published (key identifiers read from their published certificates). */
export const PUBLISHED_TEST_CAS: readonly PublishedTestCa[] = [
  { keyId: '48cf1b32697c4669', name: 'OU=00, CN=ZA', pki: 'ZAZ1 Root OCA (DCC Boxed, RTDS)' },
  { keyId: '4f5688d7ec933be2', name: 'OU=07, CN=Z1', pki: 'ZAZ1 Issuing OCA (DCC Boxed, RTDS)' },
  { keyId: '49d2a8df85845fc3', name: 'OU=07, CN=Z2', pki: 'Issuing OCA in RTDS 4.5.0 CS02b commands' },
  { keyId: '4479913cafd95ab6', name: 'OU=07, CN=Z99', pki: 'DCC Boxed keystore.json' },
  { keyId: '4ddf1ea1b8bd9fbb', name: 'OU=07, CN=OB', pki: 'DCC Boxed keystore.json' },
  { keyId: '47d40af3412904a0', name: 'CN=E357', pki: 'RTDS 4.5.0 Device CA' },
];

/** Why a certificate is a test certificate. */
export interface TestMarking {
  /** `ca-name`: a CA name marked TEST (gbcs-sim's CAs); `published-test-pki`: a CA of a published test PKI issued it (or is it). */
  source: 'ca-name' | 'published-test-pki';
  /** Which CA, in a few words (e.g. `CA name "CN=G1 TEST" marked TEST`). */
  label: string;
  /** The label and what it means, for a warning. */
  message: string;
}

const marking = (source: TestMarking['source'], label: string, keys: string): TestMarking => ({
  source,
  label,
  message: `${label}: its keys are ${keys}, keep them off live networks`,
});

/**
 * The test marking of a certificate, from its names (formatted as `formatName` writes them, and the
 * CN values), key identifiers (hex, null when absent) and whether it is a CA certificate. Null: no
 * sign of a test certificate — which does not make it a production one.
 */
export function testMarking(c: {
  issuer: string;
  issuerCommonNames: readonly string[];
  subjectCommonNames: readonly string[];
  authorityKeyId: string | null;
  subjectKeyId: string | null;
  isCa: boolean;
}): TestMarking | null {
  const marked = [...c.issuerCommonNames, ...(c.isCa ? c.subjectCommonNames : [])].find((cn) =>
    MARKED.test(cn),
  );
  if (marked !== undefined)
    return marking('ca-name', `test certificate: CA name "CN=${marked}" marked ${TEST_MARKER}`, 'test keys');
  const byAki = PUBLISHED_TEST_CAS.find((k) => k.keyId === c.authorityKeyId);
  const bySki = c.isCa ? PUBLISHED_TEST_CAS.find((k) => k.keyId === c.subjectKeyId) : undefined;
  const byName = c.authorityKeyId === null ? PUBLISHED_TEST_CAS.find((k) => k.name === c.issuer) : undefined;
  const ca = byAki ?? bySki ?? byName;
  if (!ca) return null;
  const how = byAki
    ? `issued by key identifier ${ca.keyId}`
    : bySki
      ? `the CA itself, key identifier ${ca.keyId}`
      : 'issuer name; no AKI';
  return marking(
    'published-test-pki',
    `certificate of a published test PKI: "${ca.name}", ${ca.pki} (${how})`,
    'public test keys',
  );
}
