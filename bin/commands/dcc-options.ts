/** The flags shared by `inventory` and `ch` (their values are parsed by app/commands/dcc-options.ts). */
import type { Command } from 'commander';
import { DEFAULT_DB } from '../../app/commands/dcc-options.ts';

export {
  type CommonFlags,
  common,
  eui,
  exit,
  loadChConfig,
  number,
  oneOf,
  parseDate,
} from '../../app/commands/dcc-options.ts';

/** Adds --db, --at, --json to a subcommand. */
export function dbFlags(c: Command, at = true): Command {
  c.option('--db <file>', 'the DCC database (SQLite)', DEFAULT_DB).option(
    '--json',
    'JSON Lines: one object per change',
  );
  if (at) c.option('--at <date>', 'when it happens: YYYY-MM-DD or ISO date-time (default: now)');
  return c;
}
