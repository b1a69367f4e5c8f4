/**
 * Built-in example DUIS requests of `duis send --example USECASE`: one per GBCS use case gbcs-sim
 * carries (gbcs-commands.ts), addressed to the device of that use case's type on premises 0 of
 * `duis serve --premises` (premises-backend.ts). Unsigned XML (the client signs it); Body values are
 * example values of our own, valid against the DUIS XSD 5.4 (pinned by test/sim/duis/coverage.test.ts).
 */
import type { Eui64 } from '../../protocol/types.ts';
import type { PremisesIds } from '../premises/premises.ts';
import { premisesIdsOf } from './premises-backend.ts';
import { DUIS_NS } from './request.ts';
import { duisOfEui } from './request-id.ts';
import { serviceRequestVariant } from './service-requests.ts';

export interface ExampleRequest {
  srv: string;
  device: keyof PremisesIds;
  /** The request Body element (with the `sr:` prefix). */
  body: string;
}

export const EXAMPLES: Readonly<Record<string, ExampleRequest>> = {
  ECS10: {
    srv: '3.1',
    device: 'esme',
    body: '<sr:DisplayMessage><sr:SupplierMessage>Hello from gbcs-sim</sr:SupplierMessage></sr:DisplayMessage>',
  },
  GCS09: {
    srv: '3.2',
    device: 'gpf',
    body: '<sr:RestrictAccessForChangeOfTenancy><sr:RestrictionDateTime>2026-01-01T00:00:00Z</sr:RestrictionDateTime></sr:RestrictAccessForChangeOfTenancy>',
  },
  ECS17b: { srv: '4.1.1', device: 'esme', body: '<sr:ReadInstantaneousImportRegisters/>' },
  GCS13a: { srv: '4.1.1', device: 'gsme', body: '<sr:ReadInstantaneousImportRegisters/>' },
  ECS42: { srv: '7.1', device: 'esme', body: '<sr:EnableSupply/>' },
  ECS43: { srv: '7.2', device: 'esme', body: '<sr:DisableSupply/>' },
  GCS32: { srv: '7.2', device: 'gsme', body: '<sr:DisableSupply/>' },
  ECS45: { srv: '7.4', device: 'esme', body: '<sr:ReadSupplyStatus/>' },
  CCS01: {
    srv: '8.11',
    device: 'chf',
    body:
      '<sr:UpdateHANDeviceLog><sr:DeviceID>D0-00-00-00-00-00-00-05</sr:DeviceID><sr:RequestType>Add</sr:RequestType>' +
      '<sr:AddDeviceToCHFWhitelist><sr:JoinTimePeriod>90</sr:JoinTimePeriod>' +
      '<sr:InstallCode>30313233343536373839414243444546</sr:InstallCode></sr:AddDeviceToCHFWhitelist></sr:UpdateHANDeviceLog>',
  },
  ECS52: { srv: '11.2', device: 'esme', body: '<sr:ReadFirmwareVersion/>' },
};

/**
 * The unsigned example request for a use case, from `originator` (a DUIS User ID) with `counter`;
 * critical variants as a Transform request (CV 4), others CV 1. Undefined for a use case without one.
 */
export function exampleRequest(
  useCase: string,
  o: { originator: Eui64; counter: bigint; target?: Eui64 },
): string | undefined {
  const e = Object.hasOwn(EXAMPLES, useCase) ? EXAMPLES[useCase] : undefined;
  const v = e ? serviceRequestVariant(e.srv) : undefined;
  if (!e || !v) return undefined;
  const target = o.target ?? premisesIdsOf(0)[e.device];
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<sr:Request xmlns:sr="${DUIS_NS}" schemaVersion="5.4"><sr:Header>` +
    `<sr:RequestID>${duisOfEui(o.originator)}:${duisOfEui(target)}:${o.counter}</sr:RequestID>` +
    `<sr:CommandVariant>${v.critical ? 4 : 1}</sr:CommandVariant>` +
    `<sr:ServiceReference>${v.serviceReference}</sr:ServiceReference>` +
    `<sr:ServiceReferenceVariant>${v.srv}</sr:ServiceReferenceVariant>` +
    `</sr:Header><sr:Body>${e.body}</sr:Body></sr:Request>`
  );
}
