/**
 * The DUIS Service Request matrix (DUIS, SEC Appendix AD): for each Service Reference Variant (SRV)
 * whether it is Critical (the user signs a Pre-Command), a Non-Device request (answered by the DCC
 * itself), On Demand, DCC Scheduled, its future-dated response pattern, the User Roles eligible to
 * send it, and the DUIS XSD 5.4 Body element that carries it. Rows: service-requests.data.ts,
 * our own table of the specification's facts, checked against the matrix vector
 * (shared/vectors/smartdcc-duis-parser.json) by test/sim/duis/service-requests.test.ts.
 *
 * Command Variants (DUIS XSD `CommandVariant`): 1 command, 2 command for local delivery, 3 both (the
 * non-critical ones); 4 Pre-Command for signing (Transform), 5/6/7 the signed Pre-Command as 1/2/3
 * (critical); 8 a non-device Service Response from the DCC. Which web service each belongs to:
 * `WEB_SERVICE_OF_CV`.
 */
import { SERVICE_REQUEST_ROWS } from './service-requests.data.ts';

/** DCC User Roles (DUIS): Import / Export / Gas Supplier, Electricity Distributor, Gas Transporter, Registered Supplier Agent, Other User. */
export const USER_ROLES = ['IS', 'ES', 'GS', 'ED', 'GT', 'RSA', 'OU'] as const;
export type UserRole = (typeof USER_ROLES)[number];

export type FutureDatedResponsePattern = 'none' | 'dsp' | 'device' | 'dsp-device';

export interface ServiceRequestVariant {
  /** Service Reference Variant, e.g. `4.1.1`. */
  srv: string;
  /** Service Reference: the variant without its last component when it has three (`4.1.1` → `4.1`), else itself. */
  serviceReference: string;
  name: string;
  critical: boolean;
  nonDevice: boolean;
  onDemand: boolean;
  dccScheduled: boolean;
  futureDatedResponse: FutureDatedResponsePattern;
  eligibleRoles: readonly UserRole[];
  /** Local name of the request's Body child (namespace `DUIS_NS`). */
  bodyElement: string;
  /** Command Variants this variant may be sent with (from the Critical and Non-Device flags). */
  commandVariants: readonly CommandVariant[];
}

export type CommandVariant = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8;

/** The three DUIS web services: Send Command (`/api/v1/serviceS`), Non-Device (`serviceD`), Transform (`serviceT`). */
export type DuisWebService = 'S' | 'D' | 'T';

/** Which web service a Command Variant is sent to (DUIS XSD `CommandVariant` table, "Req WS"). */
export const WEB_SERVICE_OF_CV: Readonly<Record<CommandVariant, DuisWebService>> = {
  1: 'S',
  2: 'D',
  3: 'S',
  4: 'T',
  5: 'S',
  6: 'D',
  7: 'S',
  8: 'D',
};

const cvsOf = (critical: boolean, nonDevice: boolean): CommandVariant[] =>
  nonDevice ? [8] : critical ? [4, 5, 6, 7] : [1, 2, 3];

const BY_SRV = new Map<string, ServiceRequestVariant>();
for (const [
  srv,
  name,
  critical,
  nonDevice,
  onDemand,
  dccScheduled,
  fd,
  roles,
  bodyElement,
] of SERVICE_REQUEST_ROWS) {
  const parts = srv.split('.');
  BY_SRV.set(srv, {
    srv,
    serviceReference: parts.length === 3 ? parts.slice(0, 2).join('.') : srv,
    name,
    critical,
    nonDevice,
    onDemand,
    dccScheduled,
    futureDatedResponse: fd,
    eligibleRoles: roles === '' ? [] : (roles.split(' ') as UserRole[]),
    bodyElement,
    commandVariants: cvsOf(critical, nonDevice),
  });
}

/** The variant of an SRV, or undefined when DUIS defines none. */
export function serviceRequestVariant(srv: string): ServiceRequestVariant | undefined {
  return BY_SRV.get(srv);
}

/** Every variant, in the matrix's order. */
export function serviceRequestVariants(): ServiceRequestVariant[] {
  return [...BY_SRV.values()];
}
