/**
 * The explicit map of device models (sim/models/index.ts): every handler table of every model file
 * is in it (a forgotten table would silently fall back to the generic model), no two rows claim one
 * (device type, Message Code), and a code without a handler is visibly answered generically.
 */
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { allUseCases } from '../../../protocol/use-case-catalogue.ts';
import { genericExecutor } from '../../../sim/models/common/generic.ts';
import { HANDLER_ROWS, handledCodes, MODELS, modelFor } from '../../../sim/models/index.ts';
import { buildModel, type HandlerRow, handlerRow } from '../../../sim/models/model-table.ts';
import { codeOf } from '../../fixtures/errors.ts';
import { ROOT } from '../../fixtures/paths.ts';

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

describe('MODELS', () => {
  it('holds every HANDLERS table exported by a file of sim/models/', async () => {
    const missing: string[] = [];
    let tables = 0;
    for (const f of sources(join(ROOT, 'sim/models'))) {
      const mod = (await import(pathToFileURL(f).href)) as { HANDLERS?: readonly HandlerRow[] };
      if (!mod.HANDLERS) continue;
      tables++;
      for (const row of mod.HANDLERS)
        if (!HANDLER_ROWS.includes(row)) missing.push(`${relative(ROOT, f)}: ${row.messageCodes.join(',')}`);
    }
    expect(tables).toBeGreaterThanOrEqual(12);
    expect(missing).toEqual([]);
  });

  it('has a model for each device type, whose handlers are the rows naming that type', () => {
    for (const [type, model] of Object.entries(MODELS)) {
      expect(model.deviceType).toBe(type);
      const expected = new Set(
        HANDLER_ROWS.filter((r) => r.deviceTypes.includes(model.deviceType)).flatMap((r) => r.messageCodes),
      );
      expect(handledCodes(model.deviceType)).toEqual([...expected].sort((a, b) => a - b));
    }
    // Independently: the ESME answers its ECS use cases itself, the GSME its GCS ones.
    expect(modelFor('ESME').handlers.has(0x0052)).toBe(true);
    expect(modelFor('GSME').handlers.has(0x006b)).toBe(true);
  });

  it('answers a code without a handler with the generic model, visibly', () => {
    const unhandled = allUseCases().filter(
      (u) => u.devices.includes('CHF') && !modelFor('CHF').handlers.has(u.messageCode),
    );
    expect(unhandled.length).toBeGreaterThan(0);
    expect(modelFor('CHF').generic).toBe(genericExecutor);
  });

  it('refuses two rows for one device type and Message Code (MISUSE)', () => {
    const h = () => ({ payload: new Uint8Array(0) });
    const rows = [handlerRow(['ESME'], [0x0052], h), handlerRow(['ESME', 'GSME'], [0x0052], h)];
    expect(codeOf(() => buildModel('ESME', { handlers: rows, generic: h }))).toBe('MISUSE');
    expect(buildModel('GSME', { handlers: rows, generic: h }).handlers.size).toBe(1);
  });
});
