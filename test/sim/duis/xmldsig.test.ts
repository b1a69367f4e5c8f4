import { describe, expect, it } from 'vitest';
import { createCrypto } from '../../../protocol/crypto/index.ts';
import { XmlSigningRegistry } from '../../../sim/duis/certificates.ts';
import { readDuisXml } from '../../../sim/duis/xml.ts';
import {
  decodeBase64Text,
  readSignatureProfile,
  signDuisXml,
  verifyDuisSignature,
} from '../../../sim/duis/xmldsig.ts';
import {
  bytes,
  certOf,
  describeDuis,
  dspKey,
  keyFile,
  NOW,
  SUPPLIER,
  sample,
  userKey,
} from '../../fixtures/duis.ts';

const backends = [createCrypto('noble'), createCrypto('node')];

/** Profile + verification of a text with a public key: 'valid' | 'invalid' | the profile refusal code. */
function verdict(text: string, publicKey: Uint8Array, crypto = backends[0]!): string {
  const x = readDuisXml(bytes(text));
  if (!x.ok) return x.code;
  const p = readSignatureProfile(x.root);
  if (!p.ok) return p.code;
  return verifyDuisSignature(x.text, p.profile, publicKey, crypto) ? 'valid' : 'invalid';
}

describeDuis('XMLDSig on DCC Boxed samples', () => {
  const pre141 = () => certOf('dsp-xml-sign-90B3D51F30000002-ds-pre-1.4.1.pem');

  it.each(backends.map((b) => [b.name, b] as const))(
    'verifies readfw-response.xml (DSP pre-1.4.1 key, SignatureValue folded with &#13;) — %s',
    (_n, crypto) => {
      const text = sample('readfw-response.xml');
      expect(text).toContain('&#13;');
      expect(verdict(text, pre141().publicKey, crypto)).toBe('valid');
    },
  );

  it.each(backends.map((b) => [b.name, b] as const))(
    'rejects readfw-response-badsignature.xml (one base64 digit changed) — %s',
    (_n, crypto) => {
      expect(verdict(sample('readfw-response-badsignature.xml'), pre141().publicKey, crypto)).toBe('invalid');
    },
  );

  it('rejects readfw-response-invalid.xml (content changed after signing: digest mismatch)', () => {
    expect(verdict(sample('readfw-response-invalid.xml'), pre141().publicKey)).toBe('invalid');
  });

  it('readfw-response-no-signature.xml has none (SIGNATURE_ABSENT)', () => {
    expect(verdict(sample('readfw-response-no-signature.xml'), pre141().publicKey)).toBe('SIGNATURE_ABSENT');
  });

  it('readfw-response-nonexist-serial.xml names a serial no registry holds (CERTIFICATE_UNKNOWN)', () => {
    const x = readDuisXml(bytes(sample('readfw-response-nonexist-serial.xml')));
    const p = x.ok ? readSignatureProfile(x.root) : null;
    expect(p?.ok && p.profile.serial).toBe(217636141832862931915946451229571981153n);
    const reg = new XmlSigningRegistry();
    for (const f of [
      'dsp-xml-sign-90B3D51F30000002-ds-pre-1.4.1.pem',
      'dsp-xml-sign-90B3D51F30000002-ds.pem',
    ])
      reg.add(certOf(f).der);
    expect(
      reg.check(217636141832862931915946451229571981153n, 'CN=Z1,OU=07', '90b3d51f30000002', 'dsp', NOW),
    ).toMatchObject({
      ok: false,
      code: 'CERTIFICATE_UNKNOWN',
    });
    expect(reg.check(pre141().serial, 'CN=Z1, OU=07', '90b3d51f30000002', 'dsp', NOW).ok).toBe(true);
    expect(reg.check(pre141().serial, 'CN=U1,OU=07', '90b3d51f30000002', 'dsp', NOW).ok).toBe(false);
  });

  it('reads the X509IssuerSerial the DCC tool writes: CN=Z1,OU=07 and a decimal serial', () => {
    const x = readDuisXml(bytes(sample('readfw-response.xml')));
    const p = x.ok ? readSignatureProfile(x.root) : null;
    expect(p?.ok && [p.profile.issuerName, p.profile.serial]).toEqual(['CN=Z1,OU=07', pre141().serial]);
    expect(pre141().issuerName).toBe('CN=Z1,OU=07');
    expect(pre141().serial).toBe(0x261e9ccc40a78fd13d83bce07dacfe08n);
  });

  it('signs as the DSP and verifies with the DSP certificate, on both back-ends; a changed byte fails', () => {
    const unsigned = sample('main-message2.xml');
    const signed = signDuisXml(unsigned, dspKey(), backends[0]!);
    const dsp = certOf('Z1-accessControlBroker-dSPXmlSign.pem');
    for (const b of backends) expect(verdict(signed, dsp.publicKey, b)).toBe('valid');
    expect(verdict(signed.replace('<sr:ResponseCode>I0<', '<sr:ResponseCode>E1<'), dsp.publicKey)).toBe(
      'invalid',
    );
    expect(verdict(signed, certOf('xml-sign-90B3D51F30010000-ds.pem').publicKey)).toBe('invalid');
    // what the signature names: the certificate the DCC tool knows for this key
    const x = readDuisXml(bytes(signed));
    const p = x.ok ? readSignatureProfile(x.root) : null;
    expect(p?.ok && p.profile.serial).toBe(167048897159233642262001557408276884033n);
  });

  it('whitespace between elements is not significant, as for the DCC tool: signed compact, verified pretty-printed', () => {
    const signed = signDuisXml(sample('main-message2.xml'), dspKey(), backends[0]!);
    expect(signed).toContain('<sr:Header><sr:RequestID>'); // signed without the sample's indentation
    const dsp = certOf('Z1-accessControlBroker-dSPXmlSign.pem').publicKey;
    const pretty = signed.replace('<sr:Header><sr:RequestID>', '<sr:Header>\n    <sr:RequestID>');
    expect(verdict(pretty, dsp)).toBe('valid');
    expect(verdict(pretty.replace('<sr:ResponseCode>I0<', '<sr:ResponseCode> I0<'), dsp)).toBe('invalid');
  });

  it('a user key signs requests that verify with its certificate', () => {
    const signed = signDuisXml(
      sample('ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML'),
      userKey('90B3D51F30010000'),
      backends[1]!,
    );
    const c = certOf('xml-sign-90B3D51F30010000-ds.pem');
    expect(c.eui).toBe(SUPPLIER);
    expect(c.party).toBe('user');
    expect(verdict(signed, c.publicKey)).toBe('valid');
  });

  it('key files: the ZAZ1 DSP key is the key of both DSP certificates that carry OU 89', () => {
    const k = backends[0]!.publicKeyOf(dspKey().privateKey);
    expect(Buffer.compare(k, certOf('Z1-accessControlBroker-dSPXmlSign.pem').publicKey)).toBe(0);
    expect(Buffer.compare(k, certOf('dsp-xml-sign-90B3D51F30000002-ds.pem').publicKey)).toBe(0);
    expect(keyFile('Z1-accessControlBroker-dSPXmlSign.key').length).toBeGreaterThan(0);
  });
});

describeDuis('the DUIS signature profile refuses other shapes (SIGNATURE_PROFILE)', () => {
  const signed = () => signDuisXml(sample('main-message2.xml'), dspKey(), backends[0]!);
  const profileCode = (text: string) => {
    const x = readDuisXml(bytes(text));
    if (!x.ok) return x.code;
    const p = readSignatureProfile(x.root);
    return p.ok ? 'ok' : p.code;
  };

  it.each([
    [
      'RSA instead of ECDSA',
      (s: string) => s.replace('xmldsig-more#ecdsa-sha256', 'xmldsig-more#rsa-sha256'),
    ],
    [
      'inclusive c14n of SignedInfo',
      (s: string) =>
        s.replace(
          '<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"',
          '<ds:CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"',
        ),
    ],
    ['a reference to an element, not the document', (s: string) => s.replace('URI=""', 'URI="#x"')],
    ['SHA-1 digest', (s: string) => s.replace('xmlenc#sha256', 'xmldsig#sha1')],
    ['no enveloped transform', (s: string) => s.replace(/<ds:Transforms>.*<\/ds:Transforms>/, '')],
    [
      'a DER signature (70 bytes)',
      (s: string) =>
        s.replace(
          /<ds:SignatureValue>[^<]*</,
          `<ds:SignatureValue>${Buffer.alloc(70, 1).toString('base64')}<`,
        ),
    ],
    [
      'KeyInfo without X509IssuerSerial',
      (s: string) =>
        s.replace(/<ds:KeyInfo>.*<\/ds:KeyInfo>/, '<ds:KeyInfo><ds:KeyName>x</ds:KeyName></ds:KeyInfo>'),
    ],
    ['a second signature', (s: string) => s.replace(/(<ds:Signature[\s\S]*<\/ds:Signature>)/, '$1$1')],
    [
      'the signature not last',
      (s: string) =>
        s.replace(/(<ds:Signature[\s\S]*<\/ds:Signature>)<\/sr:Response>/, '$1<sr:X/></sr:Response>'),
    ],
  ])('%s', (_what, mutate) => {
    const s = signed();
    expect(profileCode(s)).toBe('ok');
    expect(profileCode(mutate(s))).toBe('SIGNATURE_PROFILE');
  });
});

describe('base64 of SignatureValue', () => {
  it('removes XML whitespace (the &#13;\\n fold) and refuses non-base64', () => {
    expect(decodeBase64Text('AAEC\r\n AwQF')).toEqual(new Uint8Array([0, 1, 2, 3, 4, 5]));
    expect(decodeBase64Text('AAE')).toBeNull();
    expect(decodeBase64Text('AA*=')).toBeNull();
  });
});
