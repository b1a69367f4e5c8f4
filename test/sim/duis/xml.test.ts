import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readDuisXml } from '../../../sim/duis/xml.ts';
import { bytes, HAVE_SHARED, sample, template, templateNames } from '../../fixtures/duis.ts';

const MIN = '<?xml version="1.0" encoding="UTF-8"?><a xmlns="urn:x"><b>1</b></a>';

describe('readDuisXml refuses what a DUIS service must not process', () => {
  it('reads a minimal document', () => {
    const r = readDuisXml(bytes(MIN));
    expect(r.ok && r.root.localName).toBe('a');
  });

  it.skipIf(!HAVE_SHARED)('refuses the signing tool XXE sample before any parser sees it', () => {
    const text = sample('duis-xxe.xml');
    expect(text).toContain('<!ENTITY xxe SYSTEM "file:///etc/passwd">');
    const r = readDuisXml(bytes(text));
    expect(r).toMatchObject({ ok: false, code: 'DTD_REFUSED' });
  });

  it.each([
    ['an internal subset', '<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>'],
    ['a bare DOCTYPE', '<!DOCTYPE a><a/>'],
    ['an entity declaration hidden in a comment', '<a><!-- <!ENTITY x "y"> --></a>'],
    ['a lower-case doctype', '<!doctype a><a/>'],
  ])('refuses %s (DTD_REFUSED)', (_what, text) => {
    expect(readDuisXml(text)).toMatchObject({ ok: false, code: 'DTD_REFUSED' });
  });

  it('refuses characters outside XML 1.0 Char (a control byte between attributes was read as white space)', () => {
    for (const c of [0x00, 0x01, 0x08, 0x0b, 0x0c, 0x1e, 0x1f, 0xfffe, 0xffff]) {
      const text = `<a xmlns="urn:x"${String.fromCharCode(c)}b="1"/>`;
      expect(readDuisXml(text), c.toString(16)).toMatchObject({ ok: false, code: 'NOT_WELL_FORMED' });
    }
    expect(readDuisXml('<a xmlns="urn:x">\u001e</a>')).toMatchObject({
      ok: false,
      detail: 'character U+001E at offset 17 is not allowed in XML 1.0',
    });
    for (const c of ['\t', '\n', '\r', ' ']) expect(readDuisXml(`<a xmlns="urn:x"${c}b="1"/>`).ok).toBe(true);
  });

  it('refuses processing instructions after the declaration (PI_REFUSED)', () => {
    expect(readDuisXml('<?xml version="1.0"?><?xml-stylesheet href="x"?><a/>')).toMatchObject({
      ok: false,
      code: 'PI_REFUSED',
    });
  });

  it('refuses bytes that are not UTF-8, and a declared non-UTF-8 encoding (NOT_UTF8)', () => {
    expect(readDuisXml(new Uint8Array([0x3c, 0x61, 0x3e, 0xff, 0x3c, 0x2f, 0x61, 0x3e]))).toMatchObject({
      ok: false,
      code: 'NOT_UTF8',
    });
    expect(readDuisXml('<?xml version="1.0" encoding="ISO-8859-1"?><a/>')).toMatchObject({
      ok: false,
      code: 'NOT_UTF8',
    });
  });

  it('refuses more than maxBytes (TOO_LARGE), counting UTF-8 bytes', () => {
    expect(readDuisXml(bytes(MIN), { maxBytes: MIN.length - 1 })).toMatchObject({
      ok: false,
      code: 'TOO_LARGE',
    });
    expect(readDuisXml(bytes(MIN), { maxBytes: MIN.length }).ok).toBe(true);
    expect(readDuisXml('<a>é</a>', { maxBytes: 8 })).toMatchObject({ ok: false, code: 'TOO_LARGE' });
  });

  it('bounds nesting and element count (TOO_DEEP, TOO_MANY_ELEMENTS)', () => {
    const deep = `${'<a>'.repeat(65)}${'</a>'.repeat(65)}`;
    expect(readDuisXml(deep)).toMatchObject({ ok: false, code: 'TOO_DEEP' });
    expect(readDuisXml(`${'<a>'.repeat(64)}${'</a>'.repeat(64)}`).ok).toBe(true);
    expect(readDuisXml(`<a>${'<b/>'.repeat(100)}</a>`, { maxElements: 100 })).toMatchObject({
      ok: false,
      code: 'TOO_MANY_ELEMENTS',
    });
  });

  it('bounds attributes per element and in total before the parser runs (TOO_MANY_ATTRIBUTES)', () => {
    const attrs = (n: number) => Array.from({ length: n }, (_, i) => ` a${i}="1"`).join('');
    expect(readDuisXml(`<r${attrs(64)}/>`).ok).toBe(true);
    expect(readDuisXml(`<r${attrs(65)}/>`)).toMatchObject({ ok: false, code: 'TOO_MANY_ATTRIBUTES' });
    // The attack: a million attributes on one element is refused by the scan, not by the DOM.
    expect(readDuisXml(`<r${attrs(1_000_000)}/>`, { maxBytes: 64 * 1024 * 1024 })).toMatchObject({
      ok: false,
      code: 'TOO_MANY_ATTRIBUTES',
      detail: 'more than 64 attributes on one element',
    });
    const many = `<r>${`<e${attrs(3)}/>`.repeat(10)}</r>`;
    expect(readDuisXml(many, { maxAttributes: 30 }).ok).toBe(true);
    expect(readDuisXml(many, { maxAttributes: 29 })).toMatchObject({
      ok: false,
      code: 'TOO_MANY_ATTRIBUTES',
    });
    // `=` and `>` inside quoted values, comments and CDATA count nothing.
    const quoted = `<r a="x=y>z" b='=='><!-- <e c="1" d="2"/> --><![CDATA[<e f="1" g="2"/>]]></r>`;
    expect(readDuisXml(quoted, { maxAttributes: 2 }).ok).toBe(true);
    expect(readDuisXml(quoted, { maxAttributes: 1 })).toMatchObject({
      ok: false,
      code: 'TOO_MANY_ATTRIBUTES',
    });
  });

  it.each([
    ['an unclosed element', '<a><b></a>'],
    ['an undeclared prefix', '<sr:a/>'],
    ['two roots', '<a/><b/>'],
    ['an unknown entity', '<a>&nbsp;</a>'],
    ['text only', 'hello'],
    ['nothing', ''],
  ])('refuses %s (NOT_WELL_FORMED)', (_what, text) => {
    expect(readDuisXml(text)).toMatchObject({ ok: false, code: 'NOT_WELL_FORMED' });
  });

  it.skipIf(!HAVE_SHARED)('reads every DUIS template of the RTDS set', () => {
    const names = templateNames();
    expect(names.length).toBe(199);
    for (const n of names) expect(readDuisXml(bytes(template(n))).ok, n).toBe(true);
  });

  it('never throws on arbitrary bytes or text (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
        const r = readDuisXml(b);
        return typeof r.ok === 'boolean';
      }),
      { numRuns: 300 },
    );
    const xmlish = fc.stringMatching(/^[<>/a-z:="' &;!?\-[\]]{0,60}$/);
    fc.assert(
      fc.property(xmlish, (s) => typeof readDuisXml(s).ok === 'boolean'),
      { numRuns: 500 },
    );
  });
});
