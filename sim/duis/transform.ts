/**
 * The DCC's transform from a DUIS service request to a GBCS command: for each Service Reference
 * Variant, the GBCS use-case variants (and their Message Codes) it can become. Which one applies
 * depends on the target device type (ECS… electricity, GCS… gas, CS/CCS/DBCH… the Communications Hub
 * or any) and, for some variants, on the request body (e.g. SRV 1.5 ECS04a/ECS04b adjust vs. reset
 * meter balance; SRV 6.15.1 CS02b by supplier or network operator, CS02g for the load controller).
 * Rows: transform.data.ts, as the DCC Reference Test Data Set files them; device types, criticality
 * and encoding come from the project's use-case catalogue (protocol/use-case-catalogue.ts).
 *
 * Non-device variants (Non-Device flag, Command Variant 8: inventory, decommission, firmware
 * distribution, CH status updates, schedules, pre-notification…) are answered by the DCC and become
 * no device command here: `gbcsCommandsOf` returns none for them.
 */
import { type DeviceType, type UseCase, useCaseOf } from '../../protocol/use-case-catalogue.ts';
import { serviceRequestVariant } from './service-requests.ts';
import { TRANSFORM_ROWS } from './transform.data.ts';

export interface GbcsCommandOfRequest {
  /** Service Reference Variant. */
  srv: string;
  /** Use-case variant as RTDS names it: `ECS17b`, `CS02bSupplierBySupplier`, `CS03A2Critical`… */
  variant: string;
  /** The GBCS use case id (`ECS17b`, `CS02b`…) from the catalogue. */
  useCase: string;
  messageCode: number;
  /** Device types that execute the command. */
  devices: readonly DeviceType[];
  /** `critical`: the DCC returns a Pre-Command (CV 4) that the user signs. */
  kind: UseCase['kind'];
  encoding: UseCase['encoding'];
}

const BY_SRV = new Map<string, GbcsCommandOfRequest[]>();
for (const [srv, variant, messageCode] of TRANSFORM_ROWS) {
  const uc = useCaseOf(messageCode);
  const row: GbcsCommandOfRequest = {
    srv,
    variant,
    useCase: uc?.useCase ?? '',
    messageCode,
    devices: uc?.devices ?? [],
    kind: uc?.kind ?? 'non-critical',
    encoding: uc?.encoding ?? null,
  };
  const list = BY_SRV.get(srv);
  if (list) list.push(row);
  else BY_SRV.set(srv, [row]);
}

/** The GBCS commands a Service Reference Variant can become (empty for non-device variants and unknown SRVs). */
export function gbcsCommandsOf(srv: string): readonly GbcsCommandOfRequest[] {
  return BY_SRV.get(srv) ?? [];
}

/**
 * The commands of an SRV for a target device type. Several may remain (a body-dependent choice, e.g.
 * SRV 1.6 ECS02 to credit mode / ECS03 to prepayment): the builder of the command chooses.
 */
export function gbcsCommandsFor(srv: string, device: DeviceType): readonly GbcsCommandOfRequest[] {
  return gbcsCommandsOf(srv).filter((c) => c.devices.includes(device));
}

/** SRVs that are device requests (not Non-Device) but have no GBCS command in the table. */
export function deviceVariantsWithoutCommand(srvs: readonly string[]): string[] {
  return srvs.filter((s) => serviceRequestVariant(s)?.nonDevice === false && gbcsCommandsOf(s).length === 0);
}
