// Worker bootstrap of `gbcs-sim fleet run`: the TypeScript shard worker through tsx's loader (a
// worker thread does not inherit the main thread's loader), as bin/gbcs-sim does for the CLI.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
