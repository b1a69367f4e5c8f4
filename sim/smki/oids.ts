/**
 * Object identifiers of the GB smart-metering PKI (SMKI) profiles, as the ZAZ1 test certificates and
 * RTDS 4.5.0 show them (gbcs-wire-and-security.md §4), plus the PKIX ones the profiles use.
 */

/** ecdsa-with-SHA256 (RFC 5758): the only signature algorithm of SMKI certificates and CSRs (GBCS 4.3.2). */
export const OID_ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';
/** id-ecPublicKey (RFC 5480). */
export const OID_EC_PUBLIC_KEY = '1.2.840.10045.2.1';
/** prime256v1 / secp256r1 (NIST P-256): the only curve SMKI allows. */
export const OID_P256 = '1.2.840.10045.3.1.7';
/** secp384r1: used by the negative corpus (a key on the wrong curve). */
export const OID_P384 = '1.3.132.0.34';

/** Subject attributes: organizationalUnitName carries the Remote Party Role as 2 hex digits. */
export const OID_OU = '2.5.4.11';
export const OID_CN = '2.5.4.3';
/** x500UniqueIdentifier: BIT STRING holding the organisation's 8-byte Entity Identifier (EUI-64). */
export const OID_X500_UNIQUE_IDENTIFIER = '2.5.4.45';

export const OID_KEY_USAGE = '2.5.29.15';
export const OID_SUBJECT_KEY_IDENTIFIER = '2.5.29.14';
export const OID_AUTHORITY_KEY_IDENTIFIER = '2.5.29.35';
export const OID_SUBJECT_ALT_NAME = '2.5.29.17';
export const OID_BASIC_CONSTRAINTS = '2.5.29.19';
export const OID_CERTIFICATE_POLICIES = '2.5.29.32';
/** id-on-hardwareModuleName (RFC 4108 §5): the device certificate's SAN otherName. */
export const OID_HARDWARE_MODULE_NAME = '1.3.6.1.5.5.7.8.4';
/**
 * id-pe-wrappedApexContinKey (RFC 5934 §4.2.2): the non-critical extension of the Root OCA
 * certificate that carries the wrapped Contingency Public Key (SEC glossary "Contingency Public Key").
 */
export const OID_WRAPPED_APEX_CONTINGENCY_KEY = '1.3.6.1.5.5.7.1.20';
/** id-aes128-wrap-pad (RFC 5649): how gbcs-sim wraps the Contingency Public Key (assumption, see contingency.ts). */
export const OID_AES128_WRAP_PAD = '2.16.840.1.101.3.4.1.8';
/** PKCS#9 extensionRequest: the CSR attribute carrying requested extensions. */
export const OID_EXTENSION_REQUEST = '1.2.840.113549.1.9.14';

/**
 * Certificate policy of the test environment for Organisation Certificates (and the OCAs): the
 * ZAZ1 test PKI's `1.2.826.0.1.8641679.1.2.1.4`.
 */
export const POLICY_ORGANISATION_TEST = '1.2.826.0.1.8641679.1.2.1.4';
/** Device Certificate policy seen in RTDS 4.5.0 device certificates (issuer CN=E357). */
export const POLICY_DEVICE_TEST = '1.2.826.0.1.1800000.1.2.1.4';
/** hwType of the device HardwareModuleName in RTDS 4.5.0 device certificates and CSRs. */
export const HW_TYPE_DEVICE = '1.2.826.0.1.8641679.1.2.2.1';
