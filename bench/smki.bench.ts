/**
 * SMKI Repository XML request parsing (sim/smki/xml-request.ts), before and after, side by side.
 *
 * "regex (before)" is the field extractor http.ts used until issue 8 finding 9, kept here only to
 * be measured: a tag regex whose `(?:\s[^>]*)?` scans to the end of the body from every `<`, so a
 * body of `<a ` repeated costs O(n²). "saxes" is the parser now in use (xml-request.ts).
 *
 * Rows: the adversarial 64 KiB body (`<a ` × 21,836 inside the root, refused by both), a 64 KiB
 * well-formed body with one long field (accepted by both), and a typical CertificateSearchRequest.
 */
import { MAX_BODY_BYTES } from '../app/smki/http.ts';
import { parseXmlRequest } from '../sim/smki/xml-request.ts';
import type { BenchCase, BenchGroup } from './harness.ts';

const ROOT = 'CertificateSearchRequest';
const BEFORE = 'regex (before)';
const AFTER = 'saxes';

/** The pre-fix extractor (http.ts `xmlFields` at 0f8ae38), for measurement only. */
function regexFieldsBefore(body: string, root: string): Map<string, string> | null {
  const text = body
    .replace(/^\uFEFF/, '')
    .replace(/<\?xml[^>]*\?>/, '')
    .trim();
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) return null;
  const m = new RegExp(`^<${root}(?:\\s[^>]*)?>([\\s\\S]*)</${root}>$`).exec(text);
  if (!m) return null;
  const fields = new Map<string, string>();
  const re = /<([A-Za-z][\w.-]*)(?:\s[^>]*)?>([^<]*)<\/\1>/g;
  for (let f = re.exec(m[1]!); f; f = re.exec(m[1]!)) {
    if (fields.has(f[1]!)) return null;
    fields.set(
      f[1]!,
      f[2]!
        .trim()
        .replace(
          /&lt;|&gt;|&amp;|&apos;|&quot;/g,
          (e) => ({ '&lt;': '<', '&gt;': '>', '&amp;': '&', '&apos;': "'", '&quot;': '"' })[e]!,
        ),
    );
  }
  return fields;
}

const wrap = (inner: string) => `<${ROOT}>${inner}</${ROOT}>`;
const room = MAX_BODY_BYTES - wrap('').length;
/** The adversarial body of finding 9: just under MAX_BODY_BYTES, so the server does parse it. */
export const ADVERSARIAL_64K = wrap('<a '.repeat(Math.floor(room / 3)));
const LONG_FIELD_64K = wrap(
  `<CertificateSubjectName>${'x'.repeat(room - 2 * 'CertificateSubjectName'.length - 5)}</CertificateSubjectName>`,
);
const TYPICAL = `<?xml version="1.0" encoding="utf-8"?>${wrap(
  '<CertificateSubjectName>90-B3-D5-1F-30-01-00-00</CertificateSubjectName><CertificateUsage>KA</CertificateUsage>',
)}`;

const ROWS: Array<[string, string]> = [
  [`adversarial 64 KiB ('<a ' repeated, ${ADVERSARIAL_64K.length} B)`, ADVERSARIAL_64K],
  [`one 64 KiB field (${LONG_FIELD_64K.length} B)`, LONG_FIELD_64K],
  [`typical search request (${TYPICAL.length} B)`, TYPICAL],
];

export const group: BenchGroup = {
  name: 'smki',
  title: 'SMKI Repository XML request parsing, before (regex) vs after (saxes)',
  variants: [BEFORE, AFTER],
  notes: [
    `"${BEFORE}" = the tag-regex extractor http.ts used before (quadratic on '<a ' repeated);`,
    `"${AFTER}" = parseXmlRequest (sim/smki/xml-request.ts): strict, linear, stops at the first offending tag.`,
  ],
  ratios: [
    {
      label: 'adversarial 64 KiB: saxes / regex',
      numerator: { name: ROWS[0]![0], variant: AFTER },
      denominator: { name: ROWS[0]![0], variant: BEFORE },
    },
  ],
  setup(): BenchCase[] {
    return ROWS.flatMap(([name, body]): BenchCase[] => [
      { name, variant: BEFORE, fn: () => regexFieldsBefore(body, ROOT) },
      { name, variant: AFTER, fn: () => parseXmlRequest(body, ROOT) },
    ]);
  },
};
