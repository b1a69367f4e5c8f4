import { MS_PER_DAY as DAY_MS } from '../../protocol/calendar.ts';
/**
 * The regulatory timeline of SMKI and the Communications Hub provisions, as data: which provisions
 * were in force on a date, per the DECC direction of 8 February 2016
 * (`reference/seed-decc-direction-2016-02-08.txt`, cited below as "Direction"):
 *
 * - SMKI RAPP (SEC Appendix D) and the SMKI Recovery Procedure (Appendix L): from 9 Feb 2016
 *   (Direction ¶1, designations (a), (b) and the X3.1(b) designation);
 * - of the Recovery Procedure, only Sections 1, 2 and Paragraph 3.4 until the SEC L3 provisions on
 *   the issue of Device and Organisation Certificates take effect (variation (b)(i));
 * - SEC F6–F9 and the CHIMSM (Appendix I): from 10 Feb 2016 "or such later date as the legal
 *   instrument formally incorporates Sections F6–F9" (¶6, designation (c), X3.1(b) designations);
 * - until SEC L3 takes effect, no one but the DCC may submit a Certificate Signing Request
 *   (variation (a));
 * - steps using the Recovery Private Key, the Contingency Private Key or the Symmetric Key, and
 *   setting the SMI Statuses 'recovery' / 'recovered', from Service Release 1.3 (variation (b)(ii),
 *   ¶4).
 *
 * The direction does not give the SEC L3 date, Service Release 1.3 or the actual F6–F9
 * incorporation date: those are configuration (`TimelineDates`) with documented defaults
 * (`DEFAULT_TIMELINE_DATES`). The direction relieves the DCC of an obligation before SR 1.3; the
 * simulator models the DCC's systems as not offering those steps before then.
 *
 * "Enduring" (the default of the simulator) means every provision in force.
 */

/** ISO dates (YYYY-MM-DD, UTC midnight) on which provisions take effect. */
export interface TimelineDates {
  /** SMKI RAPP and the SMKI Recovery Procedure (Sections 1, 2, 3.4) take legal effect. Direction: 9 Feb 2016. */
  rapp: string;
  /** SEC F6–F9 and the CHIMSM take legal effect. Direction: 10 Feb 2016 "or such later date…". */
  sectionsF6ToF9: string;
  /** SEC L3 provisions on the issue of Device and Organisation Certificates take effect. Not in the direction. */
  secL3: string;
  /** Service Release 1.3 (the variation of the DUIS schedule is cancelled). Not in the direction. */
  serviceRelease13: string;
}

/**
 * Defaults. `rapp` and `sectionsF6ToF9` are the direction's dates. `secL3` and `serviceRelease13` are
 * configuration defaults, NOT from the direction: 2016-03-09 is the "SMKI Live Certificates
 * Available" milestone of the DCC Plan that ¶1 of the direction names; 2016-11-07 is assumed for
 * Service Release 1.3. Override them (`--sec-l3`, `--sr13`) to replay another history.
 */
export const DEFAULT_TIMELINE_DATES: TimelineDates = {
  rapp: '2016-02-09',
  sectionsF6ToF9: '2016-02-10',
  secL3: '2016-03-09',
  serviceRelease13: '2016-11-07',
};

/**
 * Dates the direction rules out: F6–F9 and the CHIMSM incorporated before 10 February 2016 (¶6,
 * designation (c): "10 February 2016 or such later date"), and Service Release 1.3 before SEC L3
 * (the release follows the issue of certificates). Empty when `dates` are consistent.
 */
export function timelineDateProblems(
  dates: TimelineDates,
): Array<{ field: keyof TimelineDates; message: string }> {
  const out: Array<{ field: keyof TimelineDates; message: string }> = [];
  if (parseIsoDate(dates.sectionsF6ToF9) < parseIsoDate(DEFAULT_TIMELINE_DATES.sectionsF6ToF9))
    out.push({
      field: 'sectionsF6ToF9',
      message: `${dates.sectionsF6ToF9} is before ${DEFAULT_TIMELINE_DATES.sectionsF6ToF9}: the direction (¶6, designation (c)) incorporates F6–F9 and the CHIMSM on 10 February 2016 or a later date`,
    });
  if (parseIsoDate(dates.serviceRelease13) < parseIsoDate(dates.secL3))
    out.push({
      field: 'serviceRelease13',
      message: `${dates.serviceRelease13} is before SEC L3 (${dates.secL3}): Service Release 1.3 cannot precede the issue of certificates`,
    });
  return out;
}

/** Provisions the simulator consults. */
export const Provision = {
  RAPP: 'RAPP',
  RECOVERY_PROCEDURE_INITIAL: 'RECOVERY_PROCEDURE_INITIAL',
  RECOVERY_PROCEDURE_FULL: 'RECOVERY_PROCEDURE_FULL',
  SECTION_F6: 'SECTION_F6',
  SECTION_F7: 'SECTION_F7',
  SECTION_F8: 'SECTION_F8',
  SECTION_F9: 'SECTION_F9',
  CHIMSM: 'CHIMSM',
  CSR_BY_ANY_SUBSCRIBER: 'CSR_BY_ANY_SUBSCRIBER',
  RECOVERY_PRIVATE_KEY_STEPS: 'RECOVERY_PRIVATE_KEY_STEPS',
  CONTINGENCY_PRIVATE_KEY_STEPS: 'CONTINGENCY_PRIVATE_KEY_STEPS',
  SYMMETRIC_KEY_STEPS: 'SYMMETRIC_KEY_STEPS',
  SMI_STATUS_RECOVERY: 'SMI_STATUS_RECOVERY',
} as const;
export type Provision = (typeof Provision)[keyof typeof Provision];

export interface ProvisionRule {
  provision: Provision;
  title: string;
  /** Which date of `TimelineDates` it takes effect on. */
  from: keyof TimelineDates;
  /** Where the rule comes from. */
  source: string;
}

/** The rules, in the direction's order. */
export const TIMELINE_RULES: readonly ProvisionRule[] = [
  {
    provision: Provision.RAPP,
    title: 'SMKI Registration Authority Policies and Procedures (SEC Appendix D) in force',
    from: 'rapp',
    source: 'DECC direction 8 Feb 2016, designation (a) and X3.1(b) designation: effect from 9 February 2016',
  },
  {
    provision: Provision.RECOVERY_PROCEDURE_INITIAL,
    title: 'SMKI Recovery Procedure (SEC Appendix L) Sections 1, 2 and Paragraph 3.4 in force',
    from: 'rapp',
    source:
      'DECC direction 8 Feb 2016, designation (b), ¶2 and variation (b)(i): effect from 9 February 2016',
  },
  {
    provision: Provision.RECOVERY_PROCEDURE_FULL,
    title: 'SMKI Recovery Procedure: all other provisions in force',
    from: 'secL3',
    source:
      'DECC direction 8 Feb 2016, variation (b)(i): not until the SEC L3 provisions on the issue of Device and Organisation Certificates take effect',
  },
  {
    provision: Provision.SECTION_F6,
    title: 'SEC F6 Delivery and Acceptance of Communications Hubs in force',
    from: 'sectionsF6ToF9',
    source:
      'DECC direction 8 Feb 2016, ¶6 and X3.1(b) designation: 10 February 2016 (or later incorporation)',
  },
  {
    provision: Provision.SECTION_F7,
    title: 'SEC F7 Installation and Maintenance of Communications Hubs in force',
    from: 'sectionsF6ToF9',
    source:
      'DECC direction 8 Feb 2016, ¶6 and X3.1(b) designation: 10 February 2016 (or later incorporation)',
  },
  {
    provision: Provision.SECTION_F8,
    title: 'SEC F8 Removal and Return of Communications Hubs in force',
    from: 'sectionsF6ToF9',
    source:
      'DECC direction 8 Feb 2016, ¶6 and X3.1(b) designation: 10 February 2016 (or later incorporation)',
  },
  {
    provision: Provision.SECTION_F9,
    title: 'SEC F9 Categories of Communications Hub Responsibility in force',
    from: 'sectionsF6ToF9',
    source:
      'DECC direction 8 Feb 2016, ¶6 and X3.1(b) designation: 10 February 2016 (or later incorporation)',
  },
  {
    provision: Provision.CHIMSM,
    title: 'CH Installation and Maintenance Support Materials (SEC Appendix I) in force',
    from: 'sectionsF6ToF9',
    source:
      'DECC direction 8 Feb 2016, designation (c) and X3.1(b) designation: 10 February 2016 (or later incorporation)',
  },
  {
    provision: Provision.CSR_BY_ANY_SUBSCRIBER,
    title: 'persons other than the DCC may submit Certificate Signing Requests',
    from: 'secL3',
    source:
      'DECC direction 8 Feb 2016, variation (a): no person other than the DCC may submit a CSR until the SEC L3 provisions on the issue of Device and Organisation Certificates take effect',
  },
  {
    provision: Provision.RECOVERY_PRIVATE_KEY_STEPS,
    title: 'steps requiring the Recovery Private Key',
    from: 'serviceRelease13',
    source: 'DECC direction 8 Feb 2016, variation (b)(ii): not required until Service Release 1.3',
  },
  {
    provision: Provision.CONTINGENCY_PRIVATE_KEY_STEPS,
    title: 'steps requiring the Contingency Private Key',
    from: 'serviceRelease13',
    source: 'DECC direction 8 Feb 2016, variation (b)(ii): not required until Service Release 1.3',
  },
  {
    provision: Provision.SYMMETRIC_KEY_STEPS,
    title: 'steps requiring the (Contingency) Symmetric Key',
    from: 'serviceRelease13',
    source:
      'DECC direction 8 Feb 2016, variation (b)(ii): "including the use of the Symmetric Key", not until Service Release 1.3',
  },
  {
    provision: Provision.SMI_STATUS_RECOVERY,
    title: "setting the SMI Status of a Device to 'recovery' or 'recovered'",
    from: 'serviceRelease13',
    source: 'DECC direction 8 Feb 2016, ¶4 and variation (b)(ii): switched off until Service Release 1.3',
  },
];

/** Which of the dates come from the direction itself. */
export const DIRECTION_DATES: ReadonlySet<keyof TimelineDates> = new Set(['rapp', 'sectionsF6ToF9']);

/** A point of view: every provision in force, or the state on a date. */
export type AsOf = 'enduring' | number;

/** ms since epoch of an ISO date (YYYY-MM-DD, UTC midnight). @throws RangeError */
export function parseIsoDate(date: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : Number.NaN;
  if (!m || new Date(ms).toISOString().slice(0, 10) !== date)
    throw new RangeError(`not a date (YYYY-MM-DD): ${date}`);
  return ms;
}

/**
 * A date or date-time given on a command line: `YYYY-MM-DD` (UTC midnight) or an ISO 8601 instant.
 * @throws RangeError
 */
export function parseAsOf(text: string): number {
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return parseIsoDate(text);
  const ms = Date.parse(text);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text) || Number.isNaN(ms))
    throw new RangeError(`not a date or ISO date-time: ${text}`);
  return ms;
}

export interface TimelineRefusal {
  ok: false;
  provision: Provision;
  /** Stable code: `NOT_IN_FORCE:<provision>`. */
  code: string;
  message: string;
  /** The direction's words that decide it. */
  citation: string;
  /** When it takes effect (ISO date). */
  inForceFrom: string;
}

export type TimelineCheck = { ok: true } | TimelineRefusal;

/** The regulatory timeline with its configured dates. */
export class RegulatoryTimeline {
  readonly dates: TimelineDates;

  constructor(dates: Partial<TimelineDates> = {}) {
    const d = { ...DEFAULT_TIMELINE_DATES, ...dates };
    for (const v of Object.values(d)) parseIsoDate(v);
    const problems = timelineDateProblems(d);
    if (problems.length > 0) throw new RangeError(problems.map((p) => `${p.field}: ${p.message}`).join('; '));
    this.dates = d;
  }

  /** The date (ms) from which a provision is in force. */
  inForceFrom(p: Provision): number {
    const rule = TIMELINE_RULES.find((r) => r.provision === p)!;
    const own = parseIsoDate(this.dates[rule.from]);
    // Provisions of the RAPP / Recovery Procedure cannot apply before the documents themselves.
    return rule.from === 'secL3' || rule.from === 'serviceRelease13'
      ? Math.max(own, parseIsoDate(this.dates.rapp))
      : own;
  }

  inForce(p: Provision, asOf: AsOf): boolean {
    return asOf === 'enduring' || asOf >= this.inForceFrom(p);
  }

  /** Whether `p` is in force at `asOf`; if not, a refusal citing the direction. */
  check(p: Provision, asOf: AsOf, action: string): TimelineCheck {
    if (this.inForce(p, asOf)) return { ok: true };
    const rule = TIMELINE_RULES.find((r) => r.provision === p)!;
    const from = new Date(this.inForceFrom(p)).toISOString().slice(0, 10);
    const on = new Date(asOf as number).toISOString().slice(0, 10);
    return {
      ok: false,
      provision: p,
      code: `NOT_IN_FORCE:${p}`,
      message: `${action} refused on ${on}: ${rule.title} only from ${from}`,
      citation: rule.source,
      inForceFrom: from,
    };
  }

  /** Every provision and whether it is in force (the `smki timeline --json` document). */
  snapshot(asOf: AsOf): {
    asOf: string;
    dates: TimelineDates;
    configured: Array<keyof TimelineDates>;
    provisions: Array<{
      provision: Provision;
      title: string;
      inForce: boolean;
      from: string;
      source: string;
    }>;
  } {
    return {
      asOf: asOf === 'enduring' ? 'enduring' : new Date(asOf).toISOString(),
      dates: this.dates,
      configured: (Object.keys(this.dates) as Array<keyof TimelineDates>).filter(
        (k) => !DIRECTION_DATES.has(k),
      ),
      provisions: TIMELINE_RULES.map((r) => ({
        provision: r.provision,
        title: r.title,
        inForce: this.inForce(r.provision, asOf),
        from: new Date(this.inForceFrom(r.provision)).toISOString().slice(0, 10),
        source: r.source,
      })),
    };
  }
}

/** The day before (ms) a date. */
export const dayBefore = (ms: number): number => ms - DAY_MS;
