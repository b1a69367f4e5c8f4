import { describe, expect, it } from 'vitest';
import { validateXML } from 'xmllint-wasm';
import { readDuisRequest } from '../../../sim/duis/request.ts';
import { readDuisXml } from '../../../sim/duis/xml.ts';
import { bytes, describeDuis, sample, template, templateNames, xsd, xsdText } from '../../fixtures/duis.ts';

const structure = (text: string) => {
  const x = readDuisXml(bytes(text));
  if (!x.ok) throw new Error(x.detail);
  return readDuisRequest(x.root);
};

/** XSD verdicts of many documents in one xmllint run: the set of file names that fail. */
async function xsdInvalid(docs: Array<{ fileName: string; contents: string }>): Promise<Set<string>> {
  const r = await validateXML({
    xml: docs,
    schema: {
      fileName: 'duis.xsd',
      contents: xsdText('DUIS_Schema_V5.4.xsd').replace('MMC Schema V5.4.xsd', 'mmc.xsd'),
    },
    preload: [
      { fileName: 'mmc.xsd', contents: xsdText('MMC_Schema_V5.4.xsd') },
      { fileName: 'xmldsig-core-schema.xsd', contents: xsdText('xmldsig-core-schema.xsd') },
    ],
  });
  return new Set(r.errors.map((e) => e.loc?.fileName ?? e.rawMessage.replace(/ fails to validate$/, '')));
}

describeDuis('DUIS Request structure (request.ts) against the DUIS XSD 5.4', () => {
  it('reads the signing tool sample request', () => {
    const r = structure(sample('ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML'));
    expect(r.ok && r.request.requestId).toEqual({
      originator: '90b3d51f30010000',
      target: '000781d7000036ce',
      counter: 1000n,
    });
    expect(r.ok && [r.request.commandVariant, r.request.serviceReference, r.request.variant.srv]).toEqual([
      1,
      '4.1',
      '4.1.1',
    ]);
    expect(r.ok && r.request.body.localName).toBe('ReadInstantaneousImportRegisters');
    expect(r.ok && r.request.signature).toBeNull();
  });

  it('agrees with xmllint and the XSD on all 199 templates and the signing-tool requests', async () => {
    const docs = [
      ...templateNames().map((n) => ({ fileName: n, contents: template(n) })),
      ...[
        'ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML',
        'ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS-invalid.XML',
        'ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS-nonexist-businessid.XML',
        'ECS50_9.1_SUCCESS_REQUEST_DUIS.XML',
      ].map((n) => ({ fileName: n, contents: sample(n) })),
    ];
    const invalid = await xsdInvalid(docs);
    expect([...invalid]).toEqual(['ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS-invalid.XML']);
    for (const d of docs) expect(structure(d.contents).ok, d.fileName).toBe(!invalid.has(d.fileName));
  });

  it('refuses what the XSD refuses in the header (each mutation checked by xmllint too)', async () => {
    const base = sample('ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML');
    const mutations: Record<string, string> = {
      'no-cv': base.replace(/<sr:CommandVariant>1<\/sr:CommandVariant>/, ''),
      'cv-10': base.replace('<sr:CommandVariant>1<', '<sr:CommandVariant>10<'),
      'header-order': base.replace(
        /(<sr:CommandVariant>1<\/sr:CommandVariant>)(\s*)(<sr:ServiceReference>4.1<\/sr:ServiceReference>)/,
        '$3$2$1',
      ),
      'unknown-srv': base.replace('<sr:ServiceReferenceVariant>4.1.1<', '<sr:ServiceReferenceVariant>4.1.9<'),
      'two-bodies': base.replace(
        '<sr:ReadInstantaneousImportRegisters/>',
        '<sr:ReadInstantaneousImportRegisters/><sr:ReadSupplyStatus/>',
      ),
      'no-schema-version': base.replace(' schemaVersion="5.0"', ''),
      'response-root': sample('readfw-response.xml'),
    };
    const invalid = await xsdInvalid(
      Object.entries(mutations).map(([fileName, contents]) => ({ fileName, contents })),
    );
    for (const [name, text] of Object.entries(mutations)) {
      const ours = structure(text).ok;
      // A DUIS Response is valid XSD (a global element) but is not a request.
      expect(ours, name).toBe(false);
      if (name !== 'response-root') expect(invalid.has(name), name).toBe(true);
    }
  });

  it('refuses what the XSD cannot see: a Body element of another variant, a Service Reference not its prefix', () => {
    const base = sample('ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML');
    const wrongBody = structure(base.replace(/ReadInstantaneousImportRegisters/g, 'ReadSupplyStatus'));
    expect(wrongBody).toMatchObject({ ok: false });
    expect(!wrongBody.ok && wrongBody.detail).toContain(
      '4.1.1 with Command Variant 1 carries ReadInstantaneousImportRegisters',
    );
    expect(structure(base.replace('<sr:ServiceReference>4.1<', '<sr:ServiceReference>4.4<')).ok).toBe(false);
    expect(structure(base.replace('<sr:CommandVariant>1<', '<sr:CommandVariant>5<')).ok).toBe(false); // CV 5 carries SignedPreCommand
  });

  it('the validator of xsd.ts gives the same verdicts (one valid, one invalid)', async () => {
    const v = xsd();
    expect((await v.validate(sample('ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML'))).valid).toBe(true);
    const bad = await v.validate(sample('ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS-invalid.XML'));
    expect(bad.valid).toBe(false);
    expect(bad.errors[0]).toContain('RequestID');
  });
});

describe('readDuisRequest without ../shared', () => {
  it('refuses another root element and loose text', () => {
    const x = readDuisXml(
      '<sr:Request xmlns:sr="http://www.dccinterface.co.uk/ServiceUserGateway" schemaVersion="5.4">x</sr:Request>',
    );
    expect(x.ok && readDuisRequest(x.root).ok).toBe(false);
    const y = readDuisXml('<Request schemaVersion="5.4"/>');
    expect(y.ok && readDuisRequest(y.root).ok).toBe(false);
  });
});
