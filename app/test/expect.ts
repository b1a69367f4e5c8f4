/**
 * Checking what a test step yielded against its expectations (app/test/scenario.ts). Pure: each
 * check returns the problems found, one line each, empty when the step passed.
 */
import type { CommandObservation, ControlObservation } from './premises.ts';
import type { Expectations, TamperOp } from './scenario.ts';

const hex4 = (n: number) => `0x${n.toString(16).toUpperCase().padStart(4, '0')}`;
const list = (xs: readonly number[]) => `[${xs.map(hex4).join(', ')}]`;

/** Problems of a command step's observation. A port cannot see refusal reasons (`accepted: null`). */
export function commandProblems(
  e: Expectations,
  tamper: TamperOp | undefined,
  o: CommandObservation,
  expectedAlertMessageCodes: number[] | null,
): string[] {
  const p: string[] = [];
  const explicit =
    e.accepted !== undefined || e.reason !== undefined || e.result !== undefined || e.verified !== undefined;
  const accepted = e.accepted ?? (explicit ? undefined : tamper === undefined);
  const result = e.result ?? (explicit || tamper !== undefined ? undefined : 'success');
  if (accepted !== undefined) {
    if (o.accepted === null) {
      // Through a port a refused command is never answered: that is all there is to see.
      if (!accepted && o.result !== null)
        p.push(`accepted: expected a refusal, got a response (${o.result})`);
      if (accepted && o.result === null) p.push('accepted: expected an answer, got none');
    } else if (o.accepted !== accepted)
      p.push(
        accepted
          ? `accepted: expected true, got a refusal ${o.reason}${o.detail ? ` (${o.detail})` : ''}`
          : `accepted: expected a refusal, got accepted (${o.result ?? 'no response'})`,
      );
  }
  if (e.reason !== undefined && o.accepted !== null && o.reason !== e.reason && o.accepted === false)
    p.push(`reason: expected ${e.reason}, got ${o.reason}${o.detail ? ` (${o.detail})` : ''}`);
  if (result !== undefined) {
    if (result === 'success' || result === 'error') {
      if (!o.responseVerified)
        p.push(
          `result: expected a verified response reporting ${result}, got ${
            o.accepted === false
              ? `a refusal ${o.reason}${o.detail ? ` (${o.detail})` : ''}`
              : o.result === null
                ? 'no response'
                : `an unverified response (${o.problems.join('; ') || o.result})`
          }`,
        );
      else if (result === 'success' && o.result !== 'success')
        p.push(`result: expected success, got ${o.result}`);
      else if (result === 'error' && !o.result?.startsWith('error'))
        p.push(`result: expected an error, got ${o.result}`);
    } else if (o.result !== result)
      p.push(`result: expected ${JSON.stringify(result)}, got ${JSON.stringify(o.result)}`);
  }
  if (e.verified !== undefined && o.responseVerified !== e.verified)
    p.push(
      e.verified
        ? `verified: expected a verified response, got ${o.result === null ? 'none' : `problems: ${o.problems.join('; ') || o.result}`}`
        : 'verified: expected a response that fails verification, got a verified one',
    );
  if (e.alerts !== undefined) {
    if (o.alerts !== null) {
      const got = [...o.alerts].sort((a, b) => a - b);
      if (list(got) !== list(e.alerts)) p.push(`alerts: expected ${list(e.alerts)}, got ${list(got)}`);
    } else if (expectedAlertMessageCodes !== null) {
      // Through a port only the alerts' Message Codes are known: compare those.
      const want = [...expectedAlertMessageCodes].sort((a, b) => a - b);
      const got = [...o.alertMessageCodes].sort((a, b) => a - b);
      if (list(got) !== list(want))
        p.push(`alerts: expected Message Codes ${list(want)} (alerts ${list(e.alerts)}), got ${list(got)}`);
    }
  }
  return p;
}

/** Problems of a control step's observation (default: it must succeed). */
export function controlProblems(e: Expectations, o: ControlObservation): string[] {
  const ok = e.ok ?? true;
  if (o.ok === ok) return [];
  return [
    ok
      ? `control ${o.op}: expected ok, got ${o.error?.code}: ${o.error?.message}`
      : `control ${o.op}: expected a failure, got ok`,
  ];
}

/** Deep equality of plain data (what YAML can write), for state readings. */
export function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Problems of the state readings taken after a step: `[device, reading, expected, actual]`. */
export function stateProblems(readings: ReadonlyArray<[string, string, unknown, unknown]>): string[] {
  return readings
    .filter(([, , want, got]) => !sameValue(want, got))
    .map(
      ([dev, reading, want, got]) =>
        `state ${dev}.${reading}: expected ${JSON.stringify(want)}, got ${got === undefined ? 'nothing (no such reading or path)' : JSON.stringify(got)}`,
    );
}
