/**
 * Progress bars for long commands (`conformance`, `simulate`, `test`, `ch simulate`, …): one bar on
 * stderr, drawn with cli-progress, and only when stderr is a terminal and the environment is not a
 * CI run (`CI` set to anything but `''`, `0` or `false`). In a pipe, a file or CI nothing is drawn
 * and nothing is written: stdout and stderr carry exactly what they carry without a bar.
 *
 * The bar is cleared when it stops, so a terminal shows only the command's own output afterwards.
 * cli-progress redraws from inside `update()` when its throttle time has passed, so a synchronous
 * loop (no event-loop turns) still moves the bar.
 */
import { SingleBar } from 'cli-progress';

/** The stream a bar draws on: a TTY WriteStream (or a test double with `isTTY` and `columns`). */
export type ProgressStream = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

export interface ProgressOptions {
  /** What runs, printed before the bar (`conformance`, `simulate`, …). */
  label: string;
  total: number;
  /** Unit after the counts (`scenarios`, `days`, `steps`). */
  unit: string;
  /** Default process.stderr. */
  stream?: ProgressStream;
  /** Default process.env. */
  env?: NodeJS.ProcessEnv;
}

export interface Progress {
  /** True when a bar is drawn (stderr a terminal, not CI). */
  readonly drawing: boolean;
  /** Sets the count done; `note` (e.g. the item in hand) shows after the counts. */
  update(done: number, note?: string): void;
  /** One more done. */
  increment(note?: string): void;
  /**
   * Writes a data line (through `write`, e.g. to stdout) above the bar: the bar's line is cleared
   * first and the bar drawn again below the line, so the two never share a line on a terminal.
   */
  print(write: () => void): void;
  /** Clears the bar. Idempotent. */
  stop(): void;
}

/** True when `env` says this is a CI run (`CI` set, and not `0`/`false`/empty). */
export function isCi(env: NodeJS.ProcessEnv): boolean {
  const v = env.CI;
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}

/** Whether a bar would be drawn on `stream` under `env`. */
export function progressWanted(
  stream: ProgressStream = process.stderr,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  return stream.isTTY === true && !isCi(env);
}

const NONE: Progress = {
  drawing: false,
  update() {},
  increment() {},
  print(write) {
    write();
  },
  stop() {},
};

/** Starts a bar at 0 of `total` (a no-op object when no bar is wanted). */
export function startProgress(o: ProgressOptions): Progress {
  const stream = o.stream ?? process.stderr;
  if (!progressWanted(stream, o.env ?? process.env) || o.total <= 0) return NONE;
  const bar = new SingleBar({
    stream,
    format: `${o.label} |{bar}| {value}/{total} ${o.unit} | {duration_formatted}, ETA {eta_formatted} {note}`,
    hideCursor: true,
    clearOnComplete: true,
    barsize: 30,
    gracefulExit: false,
  });
  // After a printed line the bar sits on a new line: cli-progress saves the cursor at start() and
  // restores it at stop() (to clear the bar), so save it again here, or stop() would clear the
  // line where the bar first was. It redraws only when its text changed: forget the last text.
  const internals = bar as unknown as { lastDrawnString: string | null; terminal: { cursorSave(): void } };
  const redraw = () => {
    internals.terminal.cursorSave();
    internals.lastDrawnString = null;
    bar.render();
  };
  bar.start(o.total, 0, { note: '' });
  let done = 0;
  let stopped = false;
  return {
    drawing: true,
    update(n, note) {
      if (stopped) return;
      done = n;
      bar.update(n, { note: note ?? '' });
    },
    increment(note) {
      this.update(done + 1, note);
    },
    print(write) {
      if (stopped) return write();
      stream.write('\r\x1b[2K');
      write();
      redraw();
    },
    stop() {
      if (stopped) return;
      stopped = true;
      bar.stop();
    },
  };
}
