/**
 * Safe reading of DUIS XML (a DCC-facing service reads XML from anyone who can reach its port).
 *
 * A DUIS message is UTF-8 XML with no DTD: the DUIS XSD (SEC Appendix AD) defines every element, and
 * nothing in DUIS needs an entity or a document type. So before any parser sees the text this module
 * refuses, as values (never exceptions):
 *
 * - more than `maxBytes` bytes (`TOO_LARGE`; the default fits DUIS's largest element, a 10,240,000
 *   character base64 FirmwareImage of SRV 11.1, with room for the rest);
 * - bytes that are not UTF-8, or an XML declaration naming another encoding (`NOT_UTF8`);
 * - any `<!DOCTYPE` or `<!ENTITY` anywhere, even in a comment (`DTD_REFUSED`): no entity, internal or
 *   external, is ever resolved, so an XXE attempt (the signing tool's `duis-xxe.xml`) reads nothing;
 * - any processing instruction after the XML declaration (`PI_REFUSED`);
 * - a character XML 1.0 does not allow anywhere (production 2 `Char`: C0 controls other than tab,
 *   LF and CR, U+FFFE, U+FFFF), which @xmldom/xmldom would otherwise read as white space between
 *   attributes (`NOT_WELL_FORMED`);
 * - text that is not well-formed XML with namespaces (`NOT_WELL_FORMED`, the parser's first complaint);
 * - elements nested deeper than `maxDepth` or more than `maxElements` of them (`TOO_DEEP`,
 *   `TOO_MANY_ELEMENTS`): canonicalisation walks the tree, so its size is bounded before it does;
 * - more than `maxAttributesPerElement` attributes on one start tag, or more than `maxAttributes` in
 *   the document (`TOO_MANY_ATTRIBUTES`), counted by a linear scan BEFORE the parser runs: the DOM
 *   parser's attribute handling is superlinear (a 12 MB `<r a0="1" … a999999="1"/>` cost seconds
 *   and 760 MB), so the count is bounded before it sees them.
 *
 * Parsing uses @xmldom/xmldom (the DOM that xml-crypto, our XMLDSig library, works on).
 */
import { DOMParser } from '@xmldom/xmldom';

export type XmlRefusalCode =
  | 'TOO_LARGE'
  | 'NOT_UTF8'
  | 'DTD_REFUSED'
  | 'PI_REFUSED'
  | 'NOT_WELL_FORMED'
  | 'TOO_DEEP'
  | 'TOO_MANY_ELEMENTS'
  | 'TOO_MANY_ATTRIBUTES';

export interface XmlLimits {
  /** Bytes of the whole message (default `DEFAULT_MAX_XML_BYTES`). */
  maxBytes?: number;
  /** Element nesting, the root being 1 (default 64; DUIS requests nest about 12 deep). */
  maxDepth?: number;
  /** Elements in the document (default 50,000; the largest DUIS template has under 700). */
  maxElements?: number;
  /**
   * Attributes (namespace declarations included) on one start tag (default 64; the DUIS templates
   * and signing-tool samples carry at most a handful).
   */
  maxAttributesPerElement?: number;
  /** Attributes in the document (default 100,000: twice `maxElements`, far above any template). */
  maxAttributes?: number;
}

/** 12 MiB: a 10,240,000-character FirmwareImage (the XSD's maxLength) plus the rest of the request. */
export const DEFAULT_MAX_XML_BYTES = 12 * 1024 * 1024;

export type XmlReadResult =
  | { ok: true; text: string; document: Document; root: Element }
  | { ok: false; code: XmlRefusalCode; detail: string };

/** Characters outside XML 1.0 production 2 (`Char`); lone surrogates cannot survive the UTF-8 decoder. */
const NOT_XML_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

const refuse = (code: XmlRefusalCode, detail: string): XmlReadResult => ({ ok: false, code, detail });

/**
 * Counts attributes per start tag in one linear pass over the text, without parsing: an `=` outside
 * a quoted value inside a start tag is one attribute; comments, CDATA sections, end tags and the
 * XML declaration are skipped. Malformed text is counted as best it can be (the parser refuses it
 * afterwards). Returns the refusal, or null within the bounds.
 */
function scanAttributes(text: string, perElement: number, total: number): XmlReadResult | null {
  let all = 0;
  let i = text.indexOf('<');
  while (i >= 0 && i < text.length) {
    if (text.startsWith('<!--', i)) {
      const e = text.indexOf('-->', i + 4);
      if (e < 0) return null;
      i = text.indexOf('<', e + 3);
      continue;
    }
    if (text.startsWith('<![CDATA[', i)) {
      const e = text.indexOf(']]>', i + 9);
      if (e < 0) return null;
      i = text.indexOf('<', e + 3);
      continue;
    }
    const c = text.charCodeAt(i + 1);
    let j = i + 1;
    if (c === 0x2f /* / */ || c === 0x3f /* ? */ || c === 0x21 /* ! */) {
      j = text.indexOf('>', j);
      if (j < 0) return null;
      i = text.indexOf('<', j + 1);
      continue;
    }
    let here = 0;
    let quote = 0;
    for (; j < text.length; j++) {
      const ch = text.charCodeAt(j);
      if (quote) {
        if (ch === quote) quote = 0;
      } else if (ch === 0x22 || ch === 0x27) quote = ch;
      else if (ch === 0x3d /* = */) {
        if (++here > perElement)
          return refuse('TOO_MANY_ATTRIBUTES', `more than ${perElement} attributes on one element`);
        if (++all > total) return refuse('TOO_MANY_ATTRIBUTES', `more than ${total} attributes`);
      } else if (ch === 0x3e /* > */ || ch === 0x3c /* < */) break;
    }
    i = text.indexOf('<', text.charCodeAt(j) === 0x3c ? j : j + 1);
  }
  return null;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * Reads a DUIS XML message (bytes or already-decoded text) into a DOM, refusing what a DUIS
 * service must not process (see the module comment). Never throws.
 */
export function readDuisXml(input: Uint8Array | string, limits: XmlLimits = {}): XmlReadResult {
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_XML_BYTES;
  let text: string;
  if (typeof input === 'string') {
    if (Buffer.byteLength(input, 'utf8') > maxBytes)
      return refuse('TOO_LARGE', `more than ${maxBytes} bytes`);
    text = input.replace(/^\uFEFF/, '');
  } else {
    if (input.length > maxBytes) return refuse('TOO_LARGE', `more than ${maxBytes} bytes`);
    try {
      text = utf8.decode(input);
    } catch {
      return refuse('NOT_UTF8', 'the bytes are not UTF-8');
    }
  }
  const decl = /^<\?xml\s([^?]*)\?>/.exec(text);
  const enc = decl ? /encoding\s*=\s*["']([^"']*)["']/.exec(decl[1]!) : null;
  if (enc && !/^utf-?8$/i.test(enc[1]!))
    return refuse('NOT_UTF8', `declared encoding ${enc[1]} is not UTF-8`);
  const bad = NOT_XML_CHAR.exec(text);
  if (bad)
    return refuse(
      'NOT_WELL_FORMED',
      `character U+${bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')} at offset ${bad.index} is not allowed in XML 1.0`,
    );
  if (/<!DOCTYPE|<!ENTITY/i.test(text))
    return refuse('DTD_REFUSED', 'a document type declaration or entity declaration is not allowed in DUIS');
  if (text.indexOf('<?', decl ? decl[0].length : 0) >= 0)
    return refuse('PI_REFUSED', 'processing instructions are not allowed in DUIS');
  const attributes = scanAttributes(
    text,
    limits.maxAttributesPerElement ?? 64,
    limits.maxAttributes ?? 100_000,
  );
  if (attributes) return attributes;

  const problems: string[] = [];
  const note = (level: string) => (msg: string) => {
    problems.push(`${level}: ${String(msg).split('\n')[0]}`);
  };
  let document: Document;
  try {
    document = new DOMParser({
      locator: {},
      errorHandler: { warning: note('warning'), error: note('error'), fatalError: note('fatal') },
    }).parseFromString(text, 'text/xml');
  } catch (e) {
    return refuse('NOT_WELL_FORMED', (e as Error).message.split('\n')[0] ?? 'not well-formed');
  }
  if (problems.length > 0) return refuse('NOT_WELL_FORMED', problems[0]!);
  const root = document.documentElement;
  if (!root) return refuse('NOT_WELL_FORMED', 'no root element');

  const maxDepth = limits.maxDepth ?? 64;
  const maxElements = limits.maxElements ?? 50_000;
  let count = 0;
  const stack: Array<[Element, number]> = [[root, 1]];
  while (stack.length > 0) {
    const [el, depth] = stack.pop()!;
    if (++count > maxElements) return refuse('TOO_MANY_ELEMENTS', `more than ${maxElements} elements`);
    if (depth > maxDepth) return refuse('TOO_DEEP', `elements nested deeper than ${maxDepth}`);
    // xmldom leaves an undeclared prefix unbound instead of failing: Namespaces in XML forbids it.
    if (el.prefix && !el.namespaceURI) return refuse('NOT_WELL_FORMED', `undeclared prefix ${el.prefix}:`);
    for (let i = 0; i < el.attributes.length; i++) {
      const a = el.attributes.item(i)!;
      if (a.prefix && a.prefix !== 'xmlns' && !a.namespaceURI)
        return refuse('NOT_WELL_FORMED', `undeclared prefix ${a.prefix}:`);
    }
    for (const c of elementChildren(el)) stack.push([c, depth + 1]);
  }
  return { ok: true, text, document, root };
}

const ELEMENT_NODE = 1;
const TEXT_NODE = 3;
const CDATA_SECTION_NODE = 4;

/** The element children of a node, in document order. */
export function elementChildren(node: Node): Element[] {
  const out: Element[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) if (c.nodeType === ELEMENT_NODE) out.push(c as Element);
  return out;
}

/** The text content of an element that has no element children (trimmed), or null when it has some. */
export function leafText(el: Element): string | null {
  let s = '';
  for (let c = el.firstChild; c; c = c.nextSibling) {
    if (c.nodeType === ELEMENT_NODE) return null;
    if (c.nodeType === TEXT_NODE || c.nodeType === CDATA_SECTION_NODE) s += c.nodeValue ?? '';
  }
  return s.trim();
}

/** Escapes text for an XML element or attribute value. */
export const escapeXml = (s: string): string =>
  s.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!,
  );
