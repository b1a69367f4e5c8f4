/**
 * The SMKI Repository's XML request parser (sim/smki/xml-request.ts): strict shape, no DTD, and
 * bounded work on adversarial bodies (issue 8 finding 9). Cost is measured in `npm run bench --
 * smki`; here, deterministically, where the parser stops (`offset`) and what it answers.
 */
import { describe, expect, it } from 'vitest';
import { handleRepositoryRequest, MAX_BODY_BYTES } from '../../../app/smki/http.ts';
import { ADVERSARIAL_64K } from '../../../bench/smki.bench.ts';
import { VirtualClock } from '../../../sim/clock.ts';
import type { SmkiRepository } from '../../../sim/smki/repository.ts';
import { MAX_ATTRIBUTES, MAX_FIELDS, parseXmlRequest } from '../../../sim/smki/xml-request.ts';

const R = 'CertificateSearchRequest';
const wrap = (inner: string, attrs = '') => `<${R}${attrs}>${inner}</${R}>`;
const refusal = (body: string) => {
  const p = parseXmlRequest(body, R);
  return p.ok ? { ok: true as const, fields: Object.fromEntries(p.fields) } : p;
};

describe('SMKI XML requests: accepted shape', () => {
  it('reads the fields of a flat request: declaration, BOM, xmlns, comments, CDATA, references', () => {
    expect(
      refusal(
        `\uFEFF<?xml version="1.0" encoding="utf-8"?>\n<${R} xmlns="urn:x">\n  <A> 1 &amp; &#x41;&lt; </A><!-- c -->\n  <B><![CDATA[x<y]]></B><C/>\n</${R}>\n`,
      ),
    ).toEqual({ ok: true, fields: { A: '1 & A<', B: 'x<y', C: '' } });
  });
});

describe('SMKI XML requests: refusals (each a 401 at the service)', () => {
  const cases: Array<[string, string, string]> = [
    ['DOCTYPE', 'DOCTYPE', `<!DOCTYPE x [<!ENTITY a "b">]>${wrap('<A>&a;</A>')}`],
    [
      'external entity (XXE)',
      'DOCTYPE',
      `<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>${wrap('<CertificateSerial>&x;</CertificateSerial>')}`,
    ],
    [
      'entity expansion bomb',
      'DOCTYPE',
      `<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>${wrap('<A>&b;</A>')}`,
    ],
    ['an entity no one declared', 'NOT_WELL_FORMED', wrap('<A>&a;</A>')],
    ['a processing instruction', 'PROCESSING_INSTRUCTION', wrap('<?php x?><A>1</A>')],
    ['another root', 'WRONG_ROOT', '<CertificateDataRequest><A>1</A></CertificateDataRequest>'],
    ['a nested element', 'NESTED_ELEMENT', wrap('<A><B>1</B></A>')],
    ['text in the root', 'TEXT_IN_ROOT', wrap('junk<A>1</A>')],
    ['a field twice', 'DUPLICATE_FIELD', wrap('<A>1</A><A>2</A>')],
    ['trailing text', 'NOT_WELL_FORMED', `${wrap('<A>1</A>')}x`],
    ['an unclosed root', 'NOT_WELL_FORMED', `<${R}><A>1</A>`],
    ['mismatched tags', 'NOT_WELL_FORMED', wrap('<A>1</B>')],
    [
      'too many fields',
      'TOO_MANY_FIELDS',
      wrap(Array.from({ length: MAX_FIELDS + 1 }, (_, i) => `<F${i}>1</F${i}>`).join('')),
    ],
    [
      'too many attributes',
      'TOO_MANY_ATTRIBUTES',
      wrap('', Array.from({ length: MAX_ATTRIBUTES + 1 }, (_, i) => ` a${i}="1"`).join('')),
    ],
  ];
  it.each(cases)('%s → %s', (_, code, body) => {
    expect(refusal(body)).toMatchObject({ ok: false, refusal: code });
  });
});

describe('SMKI XML requests: adversarial 64 KiB bodies stop early (finding 9)', () => {
  const room = MAX_BODY_BYTES - wrap('').length;
  // Each would keep a backtracking or scanning parser busy to the end of the body; the parser
  // refuses at the first offending tag. `offset` = characters read when it stopped.
  const bodies: Array<[string, string, string, number]> = [
    ["'<a ' repeated (the finding's body)", ADVERSARIAL_64K, 'NOT_WELL_FORMED', 30],
    ["'<a>' repeated (nesting)", wrap('<a>'.repeat(room / 3)), 'NESTED_ELEMENT', 32],
    ['one element with 21,000 attributes', wrap('', ' a=""'.repeat(room / 5)), 'TOO_MANY_ATTRIBUTES', 70],
    ['16,000 fields', wrap('<a/>'.repeat(room / 4)), 'DUPLICATE_FIELD', 34],
  ];
  it.each(bodies)('%s', (_, body, code, offset) => {
    expect(body.length).toBeGreaterThan(60_000);
    expect(body.length).toBeLessThanOrEqual(MAX_BODY_BYTES);
    expect(refusal(body)).toMatchObject({ ok: false, refusal: code, offset });
  });

  it('the service answers it, and any body the parser refuses, with 401', () => {
    const repository = { search: () => [], bySerial: () => undefined } as unknown as SmkiRepository;
    const ctx = { repository, clock: new VirtualClock(0), audit: () => 'a' };
    const url = new URL('http://x/services/certificatesearch');
    const status = (body: string) => handleRepositoryRequest(ctx, 'POST', url, body).status;
    const subject = '<CertificateSubjectName>90-B3-D5-1F-30-01-00-00</CertificateSubjectName>';
    expect(status(wrap(subject))).toBe(402); // well-formed, nothing found
    expect(status(ADVERSARIAL_64K)).toBe(401);
    expect(status(wrap(`junk${subject}`))).toBe(401);
    expect(status(wrap(`${subject}<X><Y>1</Y></X>`))).toBe(401);
    expect(status(`${wrap(subject)}<!-- c --><Other/>`)).toBe(401);
  });
});
