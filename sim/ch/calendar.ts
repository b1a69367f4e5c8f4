/**
 * Calendar arithmetic for the CH windows (reference §7). Working Days are Monday–Friday; English
 * bank holidays are not modelled [A]. Times are ms since the epoch, UTC.
 */

const DAY_MS = 86_400_000;

/** `ms` moved forward by `n` (≥ 0) Working Days, keeping the time of day. */
export function addWorkingDays(ms: number, n: number): number {
  let t = ms;
  let left = n;
  while (left > 0) {
    t += DAY_MS;
    const wd = new Date(t).getUTCDay();
    if (wd !== 0 && wd !== 6) left--;
  }
  return t;
}

/** `ms` moved forward by `n` calendar months (UTC), clamped to the end of a shorter month. */
export function addMonths(ms: number, n: number): number {
  const d = new Date(ms);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + n;
  const lastDay = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return Date.UTC(
    y,
    m,
    Math.min(d.getUTCDate(), lastDay),
    d.getUTCHours(),
    d.getUTCMinutes(),
    d.getUTCSeconds(),
    d.getUTCMilliseconds(),
  );
}

export const addDays = (ms: number, n: number): number => ms + n * DAY_MS;
export { DAY_MS };
