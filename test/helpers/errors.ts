import { DecodeError } from '../../protocol/errors.ts';

/** The DecodeError `f` throws; fails the test when it throws anything else or nothing. */
export function errorOf(f: () => unknown): DecodeError {
  try {
    f();
  } catch (e) {
    if (e instanceof DecodeError) return e;
    throw e;
  }
  throw new Error('no error');
}

/** Runs `f` and returns the DecodeError it throws; fails the test if it returns or throws anything else. */
export function decodeErrorOf(f: () => unknown): DecodeError {
  let thrown: unknown;
  try {
    f();
  } catch (e) {
    thrown = e;
  }
  if (!(thrown instanceof DecodeError)) {
    throw new Error(`expected a DecodeError, got ${thrown === undefined ? 'no exception' : String(thrown)}`);
  }
  return thrown;
}

/** The `code` of what `f` throws ('no error' when it returns): for refusals and GbcsErrors. */
export function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
  return 'no error';
}
