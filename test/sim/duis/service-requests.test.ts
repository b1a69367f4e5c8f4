import { describe, expect, it } from 'vitest';
import {
  serviceRequestVariant,
  serviceRequestVariants,
  WEB_SERVICE_OF_CV,
} from '../../../sim/duis/service-requests.ts';
import { readDuisXml } from '../../../sim/duis/xml.ts';
import { bytes, describeDuis, template, templateNames, vector } from '../../fixtures/duis.ts';

describeDuis('the DUIS Service Request matrix (vs smartdcc-duis-parser.json)', () => {
  const rows = vector('smartdcc-duis-parser.json').duisRequestMatrix.rows as any[];

  it('has exactly the variants of the matrix, in its order', () => {
    expect(rows.length).toBe(129);
    expect(serviceRequestVariants().map((v) => v.srv)).toEqual(
      rows.map((r) => r['Service Reference Variant']),
    );
  });

  it('agrees with every row: name, Service Reference, flags, future-dated pattern, eligible User Roles', () => {
    const pattern: Record<string, string> = {
      No: 'none',
      DSP: 'dsp',
      Device: 'device',
      'DSP & Device': 'dsp-device',
    };
    for (const r of rows) {
      const v = serviceRequestVariant(r['Service Reference Variant'])!;
      const where = v.srv;
      expect(v.name, where).toBe(
        String(r['Service Request Name']).split('\n')[0]!.replace(/\s+/g, ' ').trim(),
      );
      // The vector writes 6.2 for the Service Reference of 6.20.x (6.20 read as a number somewhere);
      // the templates (ECS39a_6.20.1…) and the XSD enumeration write 6.20.
      const sr =
        v.srv.startsWith('6.20.') && r['Service Reference'] === '6.2' ? '6.20' : r['Service Reference'];
      expect(v.serviceReference, where).toBe(sr);
      expect(v.critical, where).toBe(r.Critical === 'Yes');
      expect(v.nonDevice, where).toBe(r['Non-Device Request'] === 'Yes');
      expect(v.onDemand, where).toBe(r['On Demand'] === 'Yes');
      expect(v.dccScheduled, where).toBe(r['DCC Scheduled'] === 'Yes');
      expect(v.futureDatedResponse, where).toBe(pattern[r['Future Dated Response Pattern']]);
      expect([...v.eligibleRoles], where).toEqual(r['Eligible User Roles']);
    }
  });

  it('each template carries its variant in the Body element the table names, with an allowed Command Variant', () => {
    let n = 0;
    for (const name of templateNames()) {
      const x = readDuisXml(bytes(template(name)));
      if (!x.ok) throw new Error(name);
      const text = (tag: string) =>
        x.root.getElementsByTagNameNS(x.root.namespaceURI, tag).item(0)?.textContent;
      const v = serviceRequestVariant(text('ServiceReferenceVariant')!)!;
      const body = x.root.getElementsByTagNameNS(x.root.namespaceURI, 'Body').item(0)!;
      const el = [...Array.from({ length: body.childNodes.length }, (_, i) => body.childNodes.item(i))].find(
        (c) => c.nodeType === 1,
      ) as Element;
      expect(el.localName, name).toBe(v.bodyElement);
      expect(v.commandVariants, name).toContain(Number(text('CommandVariant')));
      n++;
    }
    expect(n).toBe(199);
  });
});

describe('Command Variants and web services (DUIS XSD CommandVariant table)', () => {
  it('send command 1/3/5/7, non-device 2/6/8, transform 4', () => {
    expect(WEB_SERVICE_OF_CV).toEqual({ 1: 'S', 2: 'D', 3: 'S', 4: 'T', 5: 'S', 6: 'D', 7: 'S', 8: 'D' });
  });

  it('critical variants take 4–7, non-critical device ones 1–3, non-device ones 8', () => {
    expect(serviceRequestVariant('1.1.1')?.commandVariants).toEqual([4, 5, 6, 7]);
    expect(serviceRequestVariant('4.1.1')?.commandVariants).toEqual([1, 2, 3]);
    expect(serviceRequestVariant('8.2')?.commandVariants).toEqual([8]);
  });
});
