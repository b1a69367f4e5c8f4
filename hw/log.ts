/**
 * Lazy, namespaced logging to stderr (DESIGN §5): `log.debug(() => …)` builds its message only when
 * the level is on, so hot paths (every frame) pay one comparison. Level from `GBCS_SIM_LOG`:
 * `off` | `error` | `warn` (default) | `info` | `debug`; benches set `off`.
 */

const LEVELS = { off: 0, error: 1, warn: 2, info: 3, debug: 4 } as const;
type Level = keyof typeof LEVELS;

function envLevel(): number {
  const v = (process.env.GBCS_SIM_LOG ?? 'warn').toLowerCase();
  return v in LEVELS ? LEVELS[v as Level] : LEVELS.warn;
}

export interface Logger {
  error(msg: () => string): void;
  warn(msg: () => string): void;
  info(msg: () => string): void;
  debug(msg: () => string): void;
}

/** A logger for namespace `ns` (e.g. `hw:serial`). The level is read once, when it is made. */
export function logger(ns: string): Logger {
  const level = envLevel();
  const at =
    (n: number, tag: string) =>
    (msg: () => string): void => {
      if (level >= n) process.stderr.write(`[${ns}] ${tag}${msg()}\n`);
    };
  return {
    error: at(LEVELS.error, 'error: '),
    warn: at(LEVELS.warn, 'warning: '),
    info: at(LEVELS.info, ''),
    debug: at(LEVELS.debug, 'debug: '),
  };
}
