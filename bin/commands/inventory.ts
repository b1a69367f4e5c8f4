/**
 * `gbcs-sim inventory …`: the Smart Metering Inventory (add, status, set, history, list, alerts,
 * check, and the lifecycle verbs). Flags only; the commands are app/inventory.ts.
 */
import type { Command } from 'commander';
import { DEVICE_TYPES, SMI_STATUSES, TYPE_2_DEVICE_TYPES } from '../../app/commands/inventory.ts';
import { processIo } from '../../app/dcc-db.ts';
import {
  INVENTORY_VERBS,
  type InventoryVerb,
  inventoryAdd,
  inventoryAlerts,
  inventoryCheck,
  inventoryCplModel,
  inventoryEvent,
  inventoryHistory,
  inventoryList,
  inventorySet,
  inventoryStatus,
} from '../../app/inventory.ts';
import { UsageError } from '../common.ts';
import { type CommonFlags, common, dbFlags, eui, exit, oneOf } from './dcc-options.ts';

const status = (v: string) => oneOf('--status', v, SMI_STATUSES);

function deviceType(v: string) {
  if (TYPE_2_DEVICE_TYPES.includes(v.toUpperCase()))
    throw new UsageError(`--type ${v}: a Type 2 Device has no SMI Status and is not held in the inventory`);
  return oneOf('--type', v, DEVICE_TYPES);
}

export function register(program: Command): void {
  const inv = program
    .command('inventory')
    .description(
      'the Smart Metering Inventory: devices, SMI Statuses and their history, DCC alerts (SQLite --db)',
    );

  dbFlags(
    inv
      .command('add <eui>')
      .description('Device Pre-notification (SRV 12.2): a new device at Pending')
      .requiredOption('--type <type>', `Device Type: ${DEVICE_TYPES.join(', ')}`)
      .requiredOption('--manufacturer <name>', 'Device Manufacturer (1–30 characters)')
      .requiredOption('--model <model>', 'Device Model (1–30 characters)')
      .option('--firmware <version>', 'firmware version (1–8 characters)')
      .option('--mpxn <mpxn>', 'import MPAN / MPRN (1–13 characters)')
      .option('--supplier <eui>', 'the responsible Supplier (commission / decommission check it)')
      .option('--non-domestic', 'non-domestic premises (Service Opt Out needs it)'),
  ).action(
    (
      id: string,
      o: CommonFlags & {
        type: string;
        manufacturer: string;
        model: string;
        firmware?: string;
        mpxn?: string;
        supplier?: string;
        nonDomestic?: boolean;
      },
    ) =>
      exit(
        inventoryAdd(
          {
            ...common(o),
            deviceId: eui('device', id),
            deviceType: deviceType(o.type),
            manufacturer: o.manufacturer,
            model: o.model,
            firmwareVersion: o.firmware ?? null,
            importMpxn: o.mpxn ?? null,
            supplier: o.supplier === undefined ? null : eui('--supplier', o.supplier),
            nonDomestic: o.nonDomestic === true,
          },
          processIo(),
        ),
      ),
  );

  for (const [verb, description] of Object.entries(INVENTORY_VERBS) as Array<[InventoryVerb, string]>) {
    const c = inv.command(`${verb} [eui]`).description(description);
    if (verb === 'whitelist')
      c.requiredOption('--chf <eui>', 'the CHF whose Device Log it joins')
        .option('--gpf <eui>', 'its GPF (a GSME)')
        .option('--meter <eui>', 'its Smart Meter (a PPMID or HCALCS)');
    if (verb === 'commission' || verb === 'decommission') c.option('--by <eui>', 'the Supplier asking');
    if (verb === 'recovered')
      c.option(
        '--acb-credentials',
        'DCC ACB credentials were placed (Method 2): alert RecoveryCompleteACBCredentials',
      );
    if (verb === 'suspend' || verb === 'restore')
      c.option('--model <manufacturer/model>', 'every device of this Device Model instead of one EUI');
    dbFlags(c).action(
      (
        id: string | undefined,
        o: CommonFlags & {
          chf?: string;
          gpf?: string;
          meter?: string;
          by?: string;
          acbCredentials?: boolean;
          model?: string;
        },
      ) => {
        if ((verb === 'suspend' || verb === 'restore') && o.model !== undefined) {
          if (id !== undefined) throw new UsageError(`${verb}: give an EUI or --model, not both`);
          const slash = o.model.indexOf('/');
          if (slash <= 0 || slash === o.model.length - 1) throw new UsageError('--model: MANUFACTURER/MODEL');
          return exit(
            inventoryCplModel(
              verb,
              { ...common(o), manufacturer: o.model.slice(0, slash), model: o.model.slice(slash + 1) },
              processIo(),
            ),
          );
        }
        if (id === undefined) throw new UsageError(`inventory ${verb}: the device EUI is required`);
        exit(
          inventoryEvent(
            verb,
            {
              ...common(o),
              deviceId: eui('device', id),
              ...(o.chf !== undefined ? { chf: eui('--chf', o.chf) } : {}),
              ...(o.gpf !== undefined ? { gpf: eui('--gpf', o.gpf) } : {}),
              ...(o.meter !== undefined ? { meter: eui('--meter', o.meter) } : {}),
              ...(o.by !== undefined ? { by: eui('--by', o.by) } : {}),
              acbCredentials: o.acbCredentials === true,
            },
            processIo(),
          ),
        );
      },
    );
  }

  dbFlags(
    inv
      .command('set <eui>')
      .description(
        'Update Inventory (SRV 8.4): --status, or device details (--manufacturer/--model/--firmware), or --mpxn',
      )
      .option(
        '--status <status>',
        'Pending | InstalledNotCommissioned (devices); Commissioned | Withdrawn | InstalledNotCommissioned (CHF/GPF)',
      )
      .option('--manufacturer <name>')
      .option('--model <model>')
      .option('--firmware <version>')
      .option('--mpxn <mpxn>'),
  ).action(
    (
      id: string,
      o: CommonFlags & {
        status?: string;
        manufacturer?: string;
        model?: string;
        firmware?: string;
        mpxn?: string;
      },
    ) => {
      const details = [o.manufacturer, o.model, o.firmware].some((x) => x !== undefined);
      const choices = [o.status !== undefined, details, o.mpxn !== undefined].filter(Boolean).length;
      if (choices !== 1)
        throw new UsageError(
          'set: exactly one of --status, device details (--manufacturer/--model/--firmware) or --mpxn',
        );
      exit(
        inventorySet(
          {
            ...common(o),
            deviceId: eui('device', id),
            ...(o.status !== undefined ? { status: status(o.status) } : {}),
            ...(o.manufacturer !== undefined ? { manufacturer: o.manufacturer } : {}),
            ...(o.model !== undefined ? { model: o.model } : {}),
            ...(o.firmware !== undefined ? { firmware: o.firmware } : {}),
            ...(o.mpxn !== undefined ? { mpxn: o.mpxn } : {}),
          },
          processIo(),
        ),
      );
    },
  );

  dbFlags(inv.command('status <eui>').description('the device and its SMI Status'), false).action(
    (id: string, o: CommonFlags) =>
      exit(inventoryStatus({ ...common(o), deviceId: eui('device', id) }, processIo())),
  );
  dbFlags(inv.command('history <eui>').description('the SMI Status history, oldest first'), false).action(
    (id: string, o: CommonFlags) =>
      exit(inventoryHistory({ ...common(o), deviceId: eui('device', id) }, processIo())),
  );
  dbFlags(
    inv
      .command('list')
      .description('devices by EUI')
      .option('--status <status>', 'only this SMI Status')
      .option('--type <type>', 'only this Device Type'),
    false,
  ).action((o: CommonFlags & { status?: string; type?: string }) =>
    exit(
      inventoryList(
        {
          ...common(o),
          ...(o.status !== undefined ? { status: status(o.status) } : {}),
          ...(o.type !== undefined ? { deviceType: deviceType(o.type) } : {}),
        },
        processIo(),
      ),
    ),
  );
  dbFlags(
    inv.command('alerts [eui]').description('the DCC alert log (DeviceSuspended, CHFDecommissioning, …)'),
    false,
  ).action((id: string | undefined, o: CommonFlags) =>
    exit(
      inventoryAlerts(
        { ...common(o), ...(id !== undefined ? { deviceId: eui('device', id) } : {}) },
        processIo(),
      ),
    ),
  );
  dbFlags(
    inv
      .command('check')
      .description(
        'integrity_check, foreign keys, and the inventory and CH invariants; exit 1 on any problem',
      ),
    false,
  ).action((o: CommonFlags) => exit(inventoryCheck(common(o), processIo())));
}
