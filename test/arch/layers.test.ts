/**
 * The layer check of `npm run lint` (.dependency-cruiser.cjs, ARCHITECTURE.md): the real tree
 * passes, and each rule fails on a deliberate violation in a scratch tree laid out like ours.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { cruise } from 'dependency-cruiser';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../fixtures/paths.ts';

const config = createRequire(import.meta.url)(join(ROOT, '.dependency-cruiser.cjs'));

/** The names of the rules the files of `baseDir` break. */
async function violations(baseDir: string, roots: string[]): Promise<string[]> {
  const r = await cruise(roots, {
    baseDir,
    validate: true,
    ruleSet: { forbidden: config.forbidden },
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
  });
  const out = r.output as { summary: { violations: Array<{ rule: { name: string }; from: string }> } };
  return out.summary.violations.map((v) => `${v.rule.name} ${v.from}`).sort();
}

const scratch = mkdtempSync(join(tmpdir(), 'gbcs-layers-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function tree(name: string, files: Record<string, string>): string {
  const dir = join(scratch, name);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const LEAVES = {
  'protocol/p.ts': 'export const p = 1;\n',
  'hw/h.ts': "import { p } from '../protocol/p.ts';\nexport const h = p;\n",
  'sim/s.ts': "import { p } from '../protocol/p.ts';\nexport const s = p;\n",
  'app/a.ts': "import { s } from '../sim/s.ts';\nimport { h } from '../hw/h.ts';\nexport const a = s + h;\n",
  'bin/b.ts': "import { a } from '../app/a.ts';\nexport const b = a;\n",
};
const ROOTS = ['protocol', 'hw', 'sim', 'app', 'bin'];

describe('layer check (.dependency-cruiser.cjs)', () => {
  it('the project itself has no violation', async () => {
    expect(
      await violations(ROOT, ['protocol', 'sim', 'hw', 'app', 'bin', 'ui', 'bench', 'test', 'scripts']),
    ).toEqual([]);
  }, 60_000);

  it('a well-layered scratch tree has none', async () => {
    expect(await violations(tree('good', LEAVES), ROOTS)).toEqual([]);
  });

  it('each kind of violation is reported by its rule', async () => {
    const dir = tree('bad', {
      ...LEAVES,
      'sim/up.ts': "import { a } from '../app/a.ts';\nexport const up = a;\n",
      'sim/io.ts': "import { readFileSync } from 'node:fs';\nexport const io = readFileSync;\n",
      'sim/store/file.ts': "import { readFileSync } from 'node:fs';\nexport const f = readFileSync;\n",
      'sim/cycle-a.ts': "import { b } from './cycle-b.ts';\nexport const a = () => b;\n",
      'sim/cycle-b.ts': "import { a } from './cycle-a.ts';\nexport const b = () => a;\n",
      'bin/deep.ts': "import { s } from '../sim/s.ts';\nexport const d = s;\n",
      'protocol/up.ts': "import { s } from '../sim/s.ts';\nexport const u = s;\n",
      'hw/up.ts': "import { s } from '../sim/s.ts';\nexport const u = s;\n",
      'app/down.ts': "import { b } from '../bin/b.ts';\nexport const d = b;\n",
      'sim/dcc/gate.ts': "import { p } from '../../protocol/p.ts';\nexport const g = p;\n",
      'sim/models/m.ts': "import { g } from '../dcc/gate.ts';\nexport const m = g;\n",
    });
    expect(await violations(dir, ROOTS)).toEqual([
      'app-below-bin app/down.ts',
      'bin-only-flags bin/deep.ts',
      'devices-do-not-see-the-dcc sim/models/m.ts',
      'hw-below-app hw/up.ts',
      'no-cycles sim/cycle-a.ts',
      'protocol-is-the-bottom protocol/up.ts',
      'sim-below-app sim/up.ts',
      'sim-io-only-in-store sim/io.ts',
    ]);
  });
});
