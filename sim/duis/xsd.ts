/**
 * Validation against the DUIS XSD (SEC Appendix AD) with xmllint-wasm (libxml2 compiled to
 * WebAssembly: offline, no native build, MIT). gbcs-sim does not ship the schema (it is published
 * with the SEC, and the copies we test with are GPL): the caller hands the three schema texts in —
 * `gbcs-sim duis serve --xsd DIR` reads them from the user's copy, the tests from ../shared.
 *
 * The DUIS schema imports `MMC Schema V5.4.xsd` (ResponseAndAlert namespace) and
 * `xmldsig-core-schema.xsd` by file name; the imports are pointed at the texts given, whatever the
 * files were called. Each validation compiles the schema in a worker: about 150 ms a message on the
 * development machine (`npm run bench -- duis` will measure it), a lab setting, not a fleet one.
 * Documents reach it only after xml.ts refused DTDs and entities.
 */
import { validateXML } from 'xmllint-wasm';
import type { XsdValidator } from './service.ts';

export interface DuisSchemaTexts {
  /** DUIS Schema V5.4.xsd. */
  duis: string;
  /** MMC Schema V5.4.xsd (namespace http://www.dccinterface.co.uk/ResponseAndAlert). */
  mmc: string;
  /** xmldsig-core-schema.xsd. */
  xmldsig: string;
}

const MMC_FILE = 'duis-mmc.xsd';
const DSIG_FILE = 'duis-xmldsig.xsd';

/** Points the DUIS schema's imports at our in-memory file names. */
function rewireImports(duis: string): string {
  return duis.replace(/<xs:import\b[^>]*>/g, (tag) => {
    const file = /ResponseAndAlert/.test(tag) ? MMC_FILE : /xmldsig/.test(tag) ? DSIG_FILE : null;
    return file ? tag.replace(/schemaLocation\s*=\s*"[^"]*"/, `schemaLocation="${file}"`) : tag;
  });
}

/** An XsdValidator over the given schema texts. Validation errors come back as values, never thrown. */
export function duisXsdValidator(s: DuisSchemaTexts): XsdValidator {
  const schema = { fileName: 'duis.xsd', contents: rewireImports(s.duis) };
  const preload = [
    { fileName: MMC_FILE, contents: s.mmc },
    { fileName: DSIG_FILE, contents: s.xmldsig },
  ];
  return {
    async validate(xml: string) {
      try {
        const r = await validateXML({ xml: [{ fileName: 'message.xml', contents: xml }], schema, preload });
        return { valid: r.valid, errors: r.errors.map((e) => e.message) };
      } catch (e) {
        return {
          valid: false,
          errors: [`XSD validation failed: ${String((e as Error).message).split('\n')[0]}`],
        };
      }
    },
  };
}
