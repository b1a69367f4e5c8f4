/**
 * Parsing of the SMKI Repository's XML requests (DCC Boxed `CertificateSearchRequest`,
 * `CertificateDataRequest`): tiny flat documents, `<Root [attrs]><Field>text</Field>…</Root>`.
 *
 * Parsed by saxes (a strict, streaming XML 1.0 parser — the one jsdom uses): one pass over the
 * body, each character looked at a bounded number of times, so the cost is linear in the body
 * (bench: `npm run bench -- smki`). saxes processes no DTD, so nothing can declare or expand an
 * entity; on top of that, the first `<!DOCTYPE` stops the parse (XXE / entity-expansion bombs are
 * refused, not ignored). The document shape is checked while parsing, so a body that breaks it is
 * refused at the first offending tag rather than after reading it all:
 * - the root element is `root` (attributes such as `xmlns` allowed);
 * - its children are elements holding text only (no grandchildren), each at most once;
 * - no text other than whitespace directly inside the root; comments and CDATA are allowed;
 * - no processing instruction other than the XML declaration;
 * - at most MAX_FIELDS children and MAX_ATTRIBUTES attributes per element (the requests have a few).
 */
import { SaxesParser } from 'saxes';

export const MAX_FIELDS = 32;
export const MAX_ATTRIBUTES = 8;

/** Why a body is not a request of the expected shape: stable codes, for logs and tests. */
export type XmlRequestRefusal =
  | 'NOT_WELL_FORMED'
  | 'DOCTYPE'
  | 'PROCESSING_INSTRUCTION'
  | 'WRONG_ROOT'
  | 'NESTED_ELEMENT'
  | 'TEXT_IN_ROOT'
  | 'DUPLICATE_FIELD'
  | 'TOO_MANY_FIELDS'
  | 'TOO_MANY_ATTRIBUTES';

export type XmlRequestParse =
  | { ok: true; fields: Map<string, string> }
  /** `offset`: characters the parser had read when it stopped (bounded work on a refusal). */
  | { ok: false; refusal: XmlRequestRefusal; offset: number; message: string };

/** Thrown from inside a saxes handler to stop the parse at the first offending tag. */
class Refused extends Error {
  readonly refusal: XmlRequestRefusal;
  constructor(refusal: XmlRequestRefusal, message: string) {
    super(message);
    this.refusal = refusal;
  }
}

/**
 * The text of each child element of `root` (trimmed, character and predefined entity references
 * resolved), keyed by element name; or why the body is refused.
 */
export function parseXmlRequest(body: string, root: string): XmlRequestParse {
  const parser = new SaxesParser({ position: false });
  const fields = new Map<string, string>();
  let depth = 0;
  let field: string | null = null;
  let text = '';
  const refuse = (refusal: XmlRequestRefusal, message: string): never => {
    throw new Refused(refusal, message);
  };
  parser.on('doctype', () => refuse('DOCTYPE', 'a DOCTYPE is not accepted (no DTD, no entities)'));
  parser.on('processinginstruction', (pi) =>
    refuse('PROCESSING_INSTRUCTION', `processing instruction <?${pi.target}?> is not accepted`),
  );
  let attributes = 0;
  parser.on('opentagstart', () => {
    attributes = 0;
  });
  parser.on('attribute', () => {
    if (++attributes > MAX_ATTRIBUTES)
      refuse('TOO_MANY_ATTRIBUTES', `more than ${MAX_ATTRIBUTES} attributes on one element`);
  });
  parser.on('opentag', (tag) => {
    depth++;
    if (depth === 1) {
      if (tag.name !== root) refuse('WRONG_ROOT', `root element is <${tag.name}>, expected <${root}>`);
    } else if (depth === 2) {
      if (fields.has(tag.name) || tag.name === field)
        refuse('DUPLICATE_FIELD', `<${tag.name}> appears twice`);
      if (fields.size >= MAX_FIELDS) refuse('TOO_MANY_FIELDS', `more than ${MAX_FIELDS} fields`);
      field = tag.name;
      text = '';
    } else refuse('NESTED_ELEMENT', `<${tag.name}> inside <${field}>: fields hold text only`);
  });
  const onText = (t: string) => {
    if (depth === 2) text += t;
    else if (depth === 1 && t.trim() !== '') refuse('TEXT_IN_ROOT', `text directly inside <${root}>`);
  };
  parser.on('text', onText);
  parser.on('cdata', onText);
  parser.on('closetag', () => {
    if (depth === 2 && field !== null) {
      fields.set(field, text.trim());
      field = null;
    }
    depth--;
  });
  try {
    parser.write(body.startsWith('\uFEFF') ? body.slice(1) : body).close();
  } catch (e) {
    const offset = parser.position;
    if (e instanceof Refused) return { ok: false, refusal: e.refusal, offset, message: e.message };
    return { ok: false, refusal: 'NOT_WELL_FORMED', offset, message: (e as Error).message };
  }
  return { ok: true, fields };
}
