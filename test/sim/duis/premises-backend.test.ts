/**
 * The DUIS service in front of virtual premises (sim/duis/premises-backend.ts): request → GBCS
 * command → device → signed DUIS Response in the outbox, non-critical and critical (CV 4 → PreCommand
 * → CV 5), and what is refused.
 */
import { beforeEach, expect, it } from 'vitest';
import { concatBytes } from '../../../protocol/bytes.ts';
import { decodeGbcsMessage, headerOf } from '../../../protocol/envelope.ts';
import { encodeSignatureField } from '../../../protocol/grouping-header.ts';
import { VirtualClock } from '../../../sim/clock.ts';
import { MemoryOutbox } from '../../../sim/duis/outbox.ts';
import { PremisesBackend, premisesIdsOf, premisesOf } from '../../../sim/duis/premises-backend.ts';
import { duisOfEui } from '../../../sim/duis/request-id.ts';
import type { DuisService } from '../../../sim/duis/service.ts';
import { partyEui } from '../../../sim/head-end/scenario.ts';
import {
  bytes,
  crypto,
  describeDuis,
  dspKey,
  dspSigned,
  NOW,
  signedRequest,
  template,
  xsd,
  zaz1Service,
} from '../../fixtures/duis.ts';

const SUPPLIER = '90-B3-D5-1F-30-01-00-00';
const P0 = premisesIdsOf(0);

/** A template addressed to `target` with `counter`, CV optionally changed, signed by the ZAZ1 supplier. */
const request = (name: string, target: string, counter: number, cv?: number) =>
  signedRequest(template(name), {
    requestId: `${SUPPLIER}:${duisOfEui(target)}:${counter}`,
    ...(cv === undefined ? {} : { commandVariant: cv }),
  });

const checkedDsp = dspSigned;

const textOf = (root: Element, name: string) =>
  root.getElementsByTagNameNS('*', name)[0]?.textContent ?? null;

/** The GBCS message in a DUIS message's GBCSPayload, and its Grouping Header. */
function gbcsIn(root: Element) {
  const bytes = new Uint8Array(Buffer.from(textOf(root, 'GBCSPayload')!, 'base64'));
  const m = decodeGbcsMessage(bytes);
  if (m.form === 'gbt') throw new Error('a GBT block');
  return { bytes, header: headerOf(m) };
}

it('premises EUIs: premises i holds BASE + 16i + 1…4; others are not devices of the fleet', () => {
  expect(premisesIdsOf(0)).toEqual({
    chf: 'd000000000000001',
    gpf: 'd000000000000002',
    esme: 'd000000000000003',
    gsme: 'd000000000000004',
  });
  expect(premisesIdsOf(999).gsme).toBe('d000000000003e74');
  expect(premisesOf('d000000000003e74', 1000)).toEqual({ index: 999, device: 'gsme' });
  expect(premisesOf('d000000000003e84', 1000)).toBeNull();
  expect(premisesOf('d000000000000005', 1000)).toBeNull();
  expect(premisesOf('00db1234567890a0', 1000)).toBeNull();
});

describeDuis('DUIS service in front of virtual premises', () => {
  let service: DuisService;
  let backend: PremisesBackend;
  let outbox: MemoryOutbox;
  const clock = new VirtualClock(NOW);
  beforeEach(() => {
    outbox = new MemoryOutbox();
    backend = new PremisesBackend({ premises: 2, seed: '1', crypto, clock, dsp: dspKey(), outbox });
    service = zaz1Service({ backend }).service;
  });

  it('11.2 to an ESME: I99, then a DSP-signed I0 Response carrying the ESME’s verified GBCS response, valid against the XSD', async () => {
    const a = await service.handle(
      'S',
      bytes(request('ECS52_11.2_SUCCESS_REQUEST_DUIS.XML', P0.esme, 5000)),
      'application/xml',
    );
    expect([a.status, a.responseCode]).toEqual([200, 'I99']);
    const [e] = outbox.due(clock.now());
    expect(outbox.pending()).toBe(1);
    const root = checkedDsp(e!.body);
    expect(textOf(root, 'ResponseCode')).toBe('I0');
    expect(textOf(root, 'RequestID')).toBe(`${SUPPLIER}:D0-00-00-00-00-00-00-03:5000`);
    expect(textOf(root, 'ResponseID')).toBe(`D0-00-00-00-00-00-00-03:${SUPPLIER}:5000`);
    const { bytes: gbcs, header: h } = gbcsIn(root);
    expect([h.craFlag, h.messageCode, h.originatorId, h.recipientId]).toEqual([
      2,
      0x0059,
      P0.esme,
      partyEui('supplier'),
    ]);
    expect(backend.headEnd.verify(gbcs).mac).toBe('valid');
    expect((await xsd().validate(e!.body)).valid).toBe(true);
    expect(backend.built).toBe(1); // premises 1 not built
  });

  it('4.1.1 to the GSME: queued in the GPF, the GSME woken, its GBZ response delivered', async () => {
    const a = await service.handle(
      'S',
      bytes(request('GCS13a_4.1.1_SUCCESS_RELIABLE_GSME_REQUEST_DUIS.XML', premisesIdsOf(1).gsme, 5001)),
      'application/xml',
    );
    expect(a.responseCode).toBe('I99');
    const root = checkedDsp(outbox.due(clock.now())[0]!.body);
    expect(textOf(root, 'ResponseCode')).toBe('I0');
    expect(gbcsIn(root).header.originatorId).toBe(premisesIdsOf(1).gsme);
  });

  it('7.1 critical: CV 4 answers I0 with a PreCommand; signed by the test Supplier and returned as CV 5 under the same Request ID it is sent; the ESME’s signed response comes back', async () => {
    const t = await service.handle(
      'T',
      bytes(request('ECS42_7.1_SUCCESS_REQUEST_DUIS.XML', P0.esme, 6000)),
      'application/xml',
    );
    expect([t.status, t.responseCode]).toEqual([200, 'I0']);
    const root = checkedDsp(t.body);
    expect(textOf(root, 'GBCSVersion')).toBe('4.0');
    const pre = new Uint8Array(Buffer.from(textOf(root, 'GBCSPayload')!, 'base64'));
    expect(pre[0]).toBe(0xdf);
    expect(outbox.pending()).toBe(0);
    const sup = partyEui('supplier');
    const sig = crypto.sign(backend.keys.privateKey(sup, 'ds')!, pre.subarray(1));
    const signedPre = concatBytes(pre, encodeSignatureField({ kind: 'present', value: sig }));
    const cv5 = (payload: Uint8Array, counter = 6000) =>
      signedRequest(
        template('ECS42_7.1_SUCCESS_REQUEST_DUIS.XML').replace(
          /<sr:EnableSupply\/>/,
          `<sr:SignedPreCommand><sr:GBCSPayload>${Buffer.from(payload).toString('base64')}</sr:GBCSPayload></sr:SignedPreCommand>`,
        ),
        { requestId: `${SUPPLIER}:D0-00-00-00-00-00-00-03:${counter}`, commandVariant: 5 },
      );
    // A flipped signature byte: refused, nothing sent
    const bad = signedPre.slice();
    bad[bad.length - 1]! ^= 1;
    const b = await service.handle('S', bytes(cv5(bad)), 'application/xml');
    expect([b.status, b.refusal]).toEqual([400, 'PRE_COMMAND_SIGNATURE']);
    const u = await service.handle('S', bytes(cv5(pre, 6001)), 'application/xml');
    expect([u.status, u.refusal]).toEqual([400, 'PRE_COMMAND_UNKNOWN']);
    expect(outbox.pending()).toBe(0);
    const s = await service.handle('S', bytes(cv5(signedPre)), 'application/xml');
    expect([s.status, s.responseCode]).toEqual([200, 'I99']);
    const resp = checkedDsp(outbox.due(clock.now())[0]!.body);
    expect(textOf(resp, 'ResponseCode')).toBe('I0');
    expect(backend.headEnd.verify(gbcsIn(resp).bytes).signature).toBe('valid');
    // Sent once: the same signed Pre-Command again is no longer pending
    const again = await service.handle('S', bytes(cv5(signedPre)), 'application/xml');
    expect(again.refusal).toBe('COUNTER_NOT_FRESH');
  });

  it('refusals: 7.4 to a CHF is E11; 3.1 to a GSME (GCS07) and a non-device request are 501 NOT_CARRIED; nothing reaches the outbox', async () => {
    const e11 = await service.handle(
      'S',
      bytes(request('ECS45_7.4_SUCCESS_REQUEST_DUIS.XML', P0.chf, 7000)),
      'application/xml',
    );
    expect(e11.responseCode).toBe('E11');
    const nc = await service.handle(
      'S',
      bytes(request('GCS07_3.1_SUCCESS_REQUEST_DUIS.XML', P0.gsme, 7001)),
      'application/xml',
    );
    expect([nc.status, nc.refusal]).toEqual([501, 'NOT_CARRIED']);
    const nd = await service.handle(
      'D',
      bytes(request('8.4_UPDATE_INVENTORY_REQUEST_DUIS.XML', P0.esme, 7002)),
      'application/xml',
    );
    expect([nd.status, nd.refusal]).toEqual([501, 'NOT_CARRIED']);
    expect(outbox.pending()).toBe(0);
  });

  it('a Body value the command cannot carry (TolerancePeriod not a number, which only the XSD would catch) is 400 BODY_NOT_USABLE, nothing sent', async () => {
    const xml = template('ECS70Commission_8.1.1_SUCCESS_REQUEST_DUIS.XML').replace(
      /<sr:TolerancePeriod>\d+</,
      '<sr:TolerancePeriod>soon<',
    );
    const a = await service.handle(
      'T',
      bytes(signedRequest(xml, { requestId: `${SUPPLIER}:${duisOfEui(P0.esme)}:7100` })),
      'application/xml',
    );
    expect([a.status, a.refusal]).toEqual([400, 'BODY_NOT_USABLE']);
    expect(backend.isPendingTransform(`${SUPPLIER}:${duisOfEui(P0.esme)}:7100`)).toBe(false);
  });
});
