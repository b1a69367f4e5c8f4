/**
 * Coverage of the DUIS templates sample (../shared/samples/smartdcc-duis-templates, 199 request
 * templates of every family): each is sent, addressed to the device of its use case's type on the
 * virtual premises, through the DUIS service in front of the premises backend, and is either carried
 * end to end (request → GBCS → device → a DSP-signed I0 DUIS Response in the outbox, valid against
 * the XSD; critical ones through serviceT → PreCommand → CV 5) or refused with a DUIS code or a
 * `REFUSALS` row. The counts per family must be the README's table ("DUIS" section).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { signedPreCommandRequest, signPreCommand } from '../../../app/duis/send.ts';
import { VirtualClock } from '../../../sim/clock.ts';
import { MemoryOutbox } from '../../../sim/duis/outbox.ts';
import { PremisesBackend, premisesIdsOf } from '../../../sim/duis/premises-backend.ts';
import { duisOfEui } from '../../../sim/duis/request-id.ts';
import { REFUSALS } from '../../../sim/duis/response-codes.ts';
import { type CommandVariant, WEB_SERVICE_OF_CV } from '../../../sim/duis/service-requests.ts';
import { gbcsCommandsOf } from '../../../sim/duis/transform.ts';
import {
  bytes,
  crypto,
  describeDuis,
  dspKey,
  dspSigned,
  NOW,
  signedRequest,
  template,
  templateNames,
  xsd,
  zaz1Service,
} from '../../fixtures/duis.ts';
import { ROOT } from '../../fixtures/paths.ts';

const KEY_OF: Record<string, 'esme' | 'gsme' | 'gpf' | 'chf'> = {
  ESME: 'esme',
  GSME: 'gsme',
  GPF: 'gpf',
  CHF: 'chf',
};
const USERS = ['90B3D51F30010000', '90B3D51F30020000', '00DB123456780004'];

/** The README's "carried / refused per family" table: family → [carried, refused]. */
function readmeTable(): Map<string, [number, number]> {
  const text = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const at = text.indexOf('<!-- duis-coverage -->');
  const rows = new Map<string, [number, number]>();
  if (at < 0) return rows;
  for (const line of text.slice(at).split('\n').slice(1)) {
    const m = /^\| (\d+) \| (\d+) \| (\d+) \|/.exec(line);
    if (m) rows.set(m[1]!, [Number(m[2]), Number(m[3])]);
    else if (rows.size > 0 && !line.startsWith('|')) break;
  }
  return rows;
}

describeDuis('DUIS templates: carried end to end or refused with a code', () => {
  it('every template, counted per family as the README says', async () => {
    const clock = new VirtualClock(NOW);
    const outbox = new MemoryOutbox();
    const backend = new PremisesBackend({ premises: 1, seed: '1', crypto, clock, dsp: dspKey(), outbox });
    const { service } = zaz1Service({ backend });
    const validator = xsd();
    const tally = new Map<string, [number, number]>();
    const outcomes: string[] = [];
    let counter = 10_000n;
    for (const name of templateNames()) {
      const xml = template(name);
      const srv = /<sr:ServiceReferenceVariant>([^<]+)</.exec(xml)![1]!;
      const cv = Number(/<sr:CommandVariant>(\d)</.exec(xml)![1]) as CommandVariant;
      const originator = /<sr:RequestID>([^:<]+):/.exec(xml)![1]!;
      const user = USERS.find((u) => u === originator.replaceAll('-', '')) ?? USERS[0]!;
      const variant = name.split('_')[0]!;
      const type = gbcsCommandsOf(srv).find((c) => c.variant === variant)?.devices[0];
      const target = premisesIdsOf(0)[KEY_OF[type ?? 'ESME'] ?? 'esme'];
      const id = `${duisOfEui(user.toLowerCase())}:${duisOfEui(target)}:${++counter}`;
      const before = outbox.pending();
      let a = await service.handle(
        WEB_SERVICE_OF_CV[cv],
        bytes(signedRequest(xml, { key: user, requestId: id })),
        'application/xml',
      );
      if (cv === 4 && a.responseCode === 'I0') {
        const pre = signPreCommand(a.body, backend.keys, crypto)!;
        const cv5 = signedPreCommandRequest(xml, pre);
        a = await service.handle(
          'S',
          bytes(signedRequest(cv5, { key: user, requestId: id, commandVariant: 5 })),
          'application/xml',
        );
      }
      const family = srv.split('.')[0]!;
      const t = tally.get(family) ?? [0, 0];
      tally.set(family, t);
      if (a.responseCode === 'I99') {
        const [response, ...alerts] = outbox.due(clock.now()).filter((e) => e.requestId === id);
        expect(outbox.pending(), name).toBeGreaterThan(before);
        dspSigned(response!.body);
        expect(response!.body, name).toContain('<sr:ResponseCode>I0</sr:ResponseCode>');
        expect((await validator.validate(response!.body)).valid, name).toBe(true);
        for (const al of alerts) expect((await validator.validate(al.body)).valid, name).toBe(true);
        t[0]++;
        outcomes.push(`${name} carried`);
      } else {
        // A refusal names a DUIS code or a REFUSALS row (with its reason), never a 500
        expect(a.status, name).not.toBe(500);
        expect(
          a.responseCode !== null ? a.responseCode : a.refusal !== null && a.refusal in REFUSALS,
          name,
        ).toBeTruthy();
        expect(outbox.pending(), name).toBe(before);
        t[1]++;
        outcomes.push(`${name} ${a.responseCode ?? a.refusal}`);
      }
    }
    const rows = [...tally].sort((x, y) => Number(x[0]) - Number(y[0]));
    if (process.env.DUIS_COVERAGE_PRINT)
      console.log(rows.map(([f, [c, r]]) => `| ${f} | ${c} | ${r} |`).join('\n'), `\n${outcomes.join('\n')}`);
    expect(rows.reduce((n, [, [c, r]]) => n + c + r, 0)).toBe(199);
    expect(new Map(rows)).toEqual(readmeTable());
  }, 300_000);
});
