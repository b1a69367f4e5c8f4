/**
 * Property over every implemented use case of the catalogue (issue 13 item 4; one parametrised
 * property): random well-formed commands of the use case — a DLMS access-request of random
 * attribute reads, a GBZ command of random ZCL Read Attributes, a DER SEQUENCE of random INTEGERs
 * and OCTET STRINGs, in the use case's encoding — sent by a Remote Party of a role allowed to send
 * it, get either a well-formed response of the form the catalogue says (CRA flag 2, the command's
 * counter and Message Code, signed when the catalogue says the response is signed and else MAC'd,
 * the Grouping Header date-time present as the catalogue says, the payload in the use case's
 * encoding) or a refusal (a pipeline rejection other than EXECUTION_FAILED, which would be a model
 * fault), and the device state stays plain data — a refusal leaves it as it was.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { DerTag, derConstructed, derInteger, derTlv } from '../../../protocol/asn1/der.ts';
import { createCrypto } from '../../../protocol/crypto/index.ts';
import { encodeDlmsApdu } from '../../../protocol/dlms/apdu.ts';
import { decodeGbcsMessage } from '../../../protocol/envelope.ts';
import { encodeGbzCommands } from '../../../protocol/gbz/gbz.ts';
import { payloadEncoding } from '../../../protocol/payload.ts';
import { type UseCase, useCaseOf } from '../../../protocol/use-case-catalogue.ts';
import { type CoverageRow, catalogueCoverage } from '../../../sim/catalogue/coverage.ts';
import { liiap } from '../../../sim/head-end/scenario.ts';
import { createTestBed } from '../../../sim/premises/test-bed.ts';
import { TEST_PARTIES } from '../../../sim/smki/test-pki.ts';

const crypto = createCrypto('noble');
let implemented: CoverageRow[] = [];
beforeAll(() => {
  implemented = catalogueCoverage().filter((r) => r.kind === 'command' && r.status === 'implemented');
});

/**
 * A use case's payload encoding: the catalogue's, and ASN.1 for the CS02b rows it leaves without
 * one (RTDS shows no command of them; GBCS defines every CS02b mode in ASN.1).
 */
const encodingOf = (uc: UseCase) => uc.encoding ?? (uc.useCase === 'CS02b' ? 'asn1' : null);

/** Random well-formed payloads in a use case's encoding. */
function payloadOf(uc: UseCase): fc.Arbitrary<(counter: bigint) => Uint8Array> {
  if (encodingOf(uc) === 'dlms') {
    const get = fc.record({
      classId: fc.constantFrom(1, 3, 4, 7, 8, 9, 20, 70),
      obis: fc.uint8Array({ minLength: 6, maxLength: 6 }),
      attributeId: fc.integer({ min: 1, max: 4 }),
    });
    return fc.array(get, { minLength: 1, maxLength: 3 }).map(
      (gets) => (c: bigint) =>
        encodeDlmsApdu({
          type: 'access-request',
          longInvokeIdAndPriority: liiap(c),
          dateTime: null,
          specifications: gets.map((g) => ({
            type: 'get' as const,
            attribute: { classId: g.classId, instanceId: g.obis, attributeId: g.attributeId },
          })),
          data: gets.map(() => ({ type: 'null-data' as const })),
        }),
    );
  }
  if (encodingOf(uc) === 'gbz') {
    // ZCL Read Attributes (general command 0x00, frame control 0x00) of random attribute ids.
    const read = fc.record({
      clusterId: fc.constantFrom(0x0000, 0x000a, 0x0700, 0x0702, 0x0703, 0x0705, 0x0708),
      ids: fc.array(fc.nat({ max: 0xffff }), { minLength: 1, maxLength: 4 }),
    });
    return fc.array(read, { minLength: 1, maxLength: 2 }).map(
      (reads) => () =>
        encodeGbzCommands(
          reads.map((r) => ({
            clusterId: r.clusterId,
            frameControl: 0x00,
            commandId: 0x00,
            zcl: Uint8Array.from(r.ids.flatMap((id) => [id & 0xff, id >> 8])),
          })),
        ),
    );
  }
  const element = fc.oneof(
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((n) => derInteger(n)),
    fc.uint8Array({ maxLength: 16 }).map((b) => derTlv(DerTag.OCTET_STRING, b)),
  );
  return fc.array(element, { maxLength: 4 }).map((els) => () => derConstructed(DerTag.SEQUENCE, ...els));
}

/**
 * Use cases whose authorisation needs a proof inside the payload, which a random payload never
 * carries, so every random command of them is refused (NOT_AUTHORISED, or DECODE where the proof itself
 * does not decode) and none is answered:
 * CS02b anyByContingency (0x0109) is authorised by the Contingency Key that the Symmetric Key
 * unwraps from the Root cell (GBCS 12.2.4.5, CS02b mode 9); its accepted form is pinned by
 * test/sim/recovery/contingency.test.ts and cs02b-modes.test.ts.
 */
const AUTHORISED_BY_PAYLOAD = new Set(['0x0109']);

describe('implemented use cases answer random well-formed commands in the catalogue form', () => {
  it('a response of the use case form or a refusal; the state stays plain data', () => {
    expect(implemented.length).toBeGreaterThan(200);
    const answered = new Set<string>();
    const refusals = new Map<string, number>();
    for (const row of implemented) {
      const uc = useCaseOf(Number.parseInt(row.code, 16))!;
      const bed = createTestBed({ seed: 'catalogue-property', crypto, start: Date.UTC(2026, 0, 1) });
      const ids = bed.premises.ids;
      const eui = { ESME: ids.esme, GSME: ids.gsme, GPF: ids.gpf, CHF: ids.chf }[row.deviceType];
      const dev = bed.premises.devices.get(eui)!;
      const originators = TEST_PARTIES.filter((p) => uc.roles.length === 0 || uc.roles.includes(p.role));
      fc.assert(
        fc.property(payloadOf(uc), fc.constantFrom(...originators), (payload, party) => {
          const before = JSON.stringify(dev.state);
          let built: ReturnType<typeof bed.headEnd.buildCommand>;
          try {
            built = bed.headEnd.buildCommand({
              originatorId: party.eui,
              recipientId: dev.eui,
              messageCode: uc.messageCode,
              payload,
              ...(uc.commandMac === 'none' ? { mac: false } : {}),
            });
          } catch {
            return; // this party holds no key to build it: not an originator of the test bed
          }
          const out = dev.handle(built.bytes);
          const state = JSON.stringify(dev.state);
          expect(JSON.parse(state), `${row.name} state is plain data`).toEqual(dev.state);
          if (!out.accepted) {
            expect(out.rejection.reason, `${row.deviceType} ${row.code} ${row.name}`).not.toBe(
              'EXECUTION_FAILED',
            );
            expect(state, `${row.name}: a refusal changes nothing`).toBe(before);
            // A payload-authorised use case reads its proof from the payload: a random one may
            // fail to decode there (DECODE) as well as to authorise.
            if (AUTHORISED_BY_PAYLOAD.has(row.code)) return;
            refusals.set(out.rejection.reason, (refusals.get(out.rejection.reason) ?? 0) + 1);
            return;
          }
          answered.add(`${row.deviceType}/${row.code}`);
          if (out.dropped) return;
          const check = bed.headEnd.checkResponse(built.header, out.response);
          expect(check.problems, `${row.deviceType} ${row.code} ${row.name}`).toEqual([]);
          const m = decodeGbcsMessage(out.response);
          if (m.form === 'gbt') return;
          const h = m.apdu.header;
          expect(h.dateTime !== null, `${row.name} date-time`).toBe(uc.responseDateTime);
          const signed = m.apdu.signature.kind === 'present';
          if (uc.responseSigned === 'yes') expect(signed, `${row.name} signed`).toBe(true);
          if (uc.responseSigned === 'no') expect(signed, `${row.name} not signed`).toBe(false);
          expect(payloadEncoding(m.apdu.payload), `${row.deviceType} ${row.code} ${row.name}`).toBe(
            encodingOf(uc),
          );
        }),
        { numRuns: 4, seed: 13 },
      );
    }
    // Every implemented use case answered some of its random commands (none only refused them), and
    // what was refused was refused by the header rules (a party the device holds no KA key of).
    expect(
      [...implemented.map((r) => `${r.deviceType}/${r.code}`)].filter(
        (k) => !answered.has(k) && !AUTHORISED_BY_PAYLOAD.has(k.slice(-6)),
      ),
    ).toEqual([]);
    expect([...refusals.keys()].filter((r) => r !== 'NO_TRUST_ANCHOR' && r !== 'NOT_AUTHORISED')).toEqual([]);
  }, 600_000);
});
