/**
 * Test keys stay off live paths (issue 8, finding 8): `bridge` refuses to send critical commands to
 * a live device with test keys unless told `--allow-test-keys`.
 *
 * - Test keys: the deterministic seed keys (`--seed`, sim/smki/test-pki.ts: anyone can derive them), or a
 *   keystore whose certificate for a key that protects a critical command — the originator's DS
 *   (it signs) or the ACB's KA (it MACs) — is a test certificate (sim/smki/test-marker.ts: a CA
 *   name marked TEST, as gbcs-sim's are, or a CA of a published test PKI). A key held without a
 *   certificate cannot be told apart and counts as the lab's own.
 * - Critical commands: the steps whose Message Code is a critical use case (GBCS; the catalogue's
 *   `kind`), e.g. ECS43 (open the load switch) or CS02b.
 * - Live: whatever hw/live-target.ts does not call a pseudo-terminal or a loopback address.
 */

import type { Eui64 } from '../../protocol/types.ts';
import { useCaseOf } from '../../protocol/use-case-catalogue.ts';
import type { Keystore } from '../../sim/smki/keystore.ts';
import { certificateTestMarking } from '../../sim/smki/validate.ts';
import type { BridgeStep } from './scenario.ts';

/** Distinct use cases (or hex Message Codes) of the critical command steps, in order of appearance. */
export function criticalCommands(steps: readonly BridgeStep[]): string[] {
  const out = new Set<string>();
  for (const s of steps) {
    if (s.kind !== 'command') continue;
    const uc = useCaseOf(s.messageCode);
    if (uc?.kind === 'critical') out.add(uc.useCase || `0x${s.messageCode.toString(16).padStart(4, '0')}`);
  }
  return [...out];
}

/** Originators of the critical command steps (their DS keys sign them). */
export const criticalOriginators = (steps: readonly BridgeStep[]): Eui64[] => [
  ...new Set(
    steps.flatMap((s) =>
      s.kind === 'command' && useCaseOf(s.messageCode)?.kind === 'critical' ? [s.originatorId] : [],
    ),
  ),
];

/**
 * Why the keystore's keys that would protect the critical commands are test keys — the first
 * test certificate among the originators' DS and the ACB's KA credentials — or null.
 */
export function keystoreTestKeys(ks: Keystore, originators: readonly Eui64[], acb: Eui64): string | null {
  const credentials: Array<[Eui64, 'ds' | 'ka']> = [
    ...originators.map((e): [Eui64, 'ds'] => [e, 'ds']),
    [acb, 'ka'],
  ];
  for (const [eui, usage] of credentials) {
    const cert = ks.find(eui, usage)?.certificate;
    const marking = cert ? certificateTestMarking(cert) : null;
    if (marking) return `${eui} ${usage.toUpperCase()}, ${marking.label}`;
  }
  return null;
}

export type TestKeyVerdict = { refuse: string } | { warn: string } | null;

/**
 * The one rule that keeps test keys off live paths, for `bridge` and `serve`: test keys and a live
 * target — refused unless `allow`, then a warning. null when either is missing.
 * @param live why the target is live (e.g. "--port /dev/ttyUSB0 is not a pseudo-terminal"), null when it is not
 * @param testKeys why the keys are test keys, null when they are not known to be
 * @param act what would be done, where: `{verb, ing, object, where}` ("send" / "sending" /
 *   "critical commands (ECS43)" / "to a live device")
 * @param risk why it is refused ("their private keys are public")
 * @param nothing what was not done ("nothing was sent")
 * @param allowWhen when `--allow-test-keys` is right ("this device is a test device that trusts them")
 */
export function liveTestKeysVerdict(o: {
  live: string | null;
  testKeys: string | null;
  act: { verb: string; ing: string; object: string; where: string };
  risk: string;
  nothing: string;
  allowWhen: string;
  allow: boolean;
}): TestKeyVerdict {
  if (o.live === null || o.testKeys === null) return null;
  const what = `${o.act.object} ${o.act.where} (${o.live}) with test keys (${o.testKeys})`;
  return o.allow
    ? { warn: `warning: --allow-test-keys: ${o.act.ing} ${what}` }
    : {
        refuse: `refusing to ${o.act.verb} ${what}: ${o.risk}; ${o.nothing} (--allow-test-keys if ${o.allowWhen})`,
      };
}

/**
 * The bridge's decision for one link: null (not live, no test keys, or no critical command), a
 * refusal, or — with `allow` — a warning to print before going on.
 * @param critical the critical commands the run would send
 */
export function testKeyVerdict(o: {
  live: string | null;
  testKeys: string | null;
  critical: readonly string[];
  allow: boolean;
}): TestKeyVerdict {
  if (o.critical.length === 0) return null;
  return liveTestKeysVerdict({
    live: o.live,
    testKeys: o.testKeys,
    act: {
      verb: 'send',
      ing: 'sending',
      object: `critical commands (${o.critical.join(', ')})`,
      where: 'to a live device',
    },
    risk: 'their private keys are public',
    nothing: 'nothing was sent',
    allowWhen: 'this device is a test device that trusts them',
    allow: o.allow,
  });
}

/**
 * `serve`'s decision for its port: its devices always hold the deterministic keys of `--seed`
 * (anyone can derive them and command the devices), so on a live port — a serial device that is
 * not a pseudo-terminal — it refuses to start unless `allow`, then warns.
 * @param live why the port is live (hw/live-target.ts `whyLive`), null for a pty or a TCP port
 */
export function serveTestKeyVerdict(o: {
  live: string | null;
  seed: string;
  allow: boolean;
}): TestKeyVerdict {
  return liveTestKeysVerdict({
    live: o.live,
    testKeys: `the deterministic keys of --seed ${o.seed}`,
    act: { verb: 'serve', ing: 'serving', object: 'virtual devices', where: 'on a live line' },
    risk: 'their private keys are public, so anyone on that line can command them',
    nothing: 'nothing was opened',
    allowWhen: 'the line is a test rig',
    allow: o.allow,
  });
}

/**
 * The bridge's link guard (BridgeOptions.linkGuard): asks `live()` each time, returns the refusal
 * (null to go on), and with `allow` writes the warning once, the first time the target is live.
 */
export function createTestKeyGuard(o: {
  live: () => string | null;
  testKeys: string | null;
  critical: readonly string[];
  allow: boolean;
  warn: (line: string) => void;
}): () => string | null {
  let warned = false;
  return () => {
    const v = testKeyVerdict({ live: o.live(), testKeys: o.testKeys, critical: o.critical, allow: o.allow });
    if (v === null) return null;
    if ('refuse' in v) return v.refuse;
    if (!warned) o.warn(v.warn);
    warned = true;
    return null;
  };
}
