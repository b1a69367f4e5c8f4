/**
 * `gbcs-sim ch …`: the Communications Hub lifecycle (order, lifecycle verbs, coverage, history,
 * list) and the estate simulation. Flags only; the commands are app/ch.ts.
 */
import type { Command } from 'commander';
import { CH_VERBS, chCoverage, chEvent, chHistory, chList, chOrder, chSimulate } from '../../app/ch.ts';
import {
  CH_STATES,
  type ChParams,
  DEFAULT_CH_CONFIG,
  DIAGNOSIS_OUTCOMES,
  FAULT_REASONS,
  HAN_VARIANTS,
  NO_FAULT_RETURN_TYPES,
  REGIONS,
  REJECTION_REASONS,
  SIMULATION_DEFAULTS,
  simulationProblems,
} from '../../app/commands/ch.ts';
import { processIo } from '../../app/dcc-db.ts';
import { UsageError } from '../common.ts';
import {
  type CommonFlags,
  common,
  dbFlags,
  eui,
  exit,
  loadChConfig,
  number,
  oneOf,
  parseDate,
} from './dcc-options.ts';

const NO_FAULT_ALIASES = {
  general: 'No Fault Return (general)',
  nondomoptout: 'No Fault Return (non-dom opt out)',
  dualsupplierhan: 'No Fault Return (dual supplier HAN variant replacement)',
  wanvariantbydcc: 'No Fault Return (SM WAN variant replacement requested by DCC)',
} as const;

type ChFlags = CommonFlags & { config?: string };

const chCommon = (o: ChFlags) => {
  const config = loadChConfig(o.config);
  return { ...common(o), ...(config ? { config } : {}) };
};

export function register(program: Command): void {
  const ch = program
    .command('ch')
    .description(
      'the Communications Hub lifecycle (SEC F6–F9, CHIMSM) and a Supplier estate simulation (SQLite --db)',
    );
  const withConfig = (c: Command) =>
    dbFlags(c).option(
      '--config <file>',
      'CH windows, timers and charges (JSON or YAML; defaults in the README)',
    );

  withConfig(
    ch
      .command('order')
      .description('order hubs on the CH Ordering System: --region, --wan-variant, --han-variant')
      .requiredOption('--region <region>', REGIONS.join(' | '))
      .requiredOption('--wan-variant <variant>', 'SM WAN variant (1–30 characters)')
      .requiredOption('--han-variant <variant>', 'single | dual (band)')
      .option('--chf <eui>', 'the hub id (its CHF EUI; default: allocated)')
      .option('--gpf <eui>', 'its GPF EUI (default: CHF + 1)')
      .option('--quantity <n>', 'hubs on this order (ids allocated)', '1')
      .option('--installation-end <date>', 'TSAT installation end date'),
  ).action(
    (
      o: ChFlags & {
        region: string;
        wanVariant: string;
        hanVariant: string;
        chf?: string;
        gpf?: string;
        quantity: string;
        installationEnd?: string;
      },
    ) => {
      const quantity = number('--quantity', o.quantity, 1, 10_000, true);
      if (quantity > 1 && (o.chf !== undefined || o.gpf !== undefined))
        throw new UsageError('--chf / --gpf name one hub: use them with --quantity 1');
      exit(
        chOrder(
          {
            ...chCommon(o),
            region: oneOf('--region', o.region, REGIONS),
            wanVariant: o.wanVariant,
            hanVariant: oneOf('--han-variant', o.hanVariant, HAN_VARIANTS, {
              single: 'Single Band',
              dual: 'Dual Band',
            }),
            quantity,
            ...(o.chf !== undefined ? { hubId: eui('--chf', o.chf) } : {}),
            ...(o.gpf !== undefined ? { gpfId: eui('--gpf', o.gpf) } : {}),
            ...(o.installationEnd !== undefined
              ? { installationEnd: parseDate('--installation-end', o.installationEnd) }
              : {}),
          },
          processIo(),
        ),
      );
    },
  );

  for (const [verb, { description }] of Object.entries(CH_VERBS)) {
    const c = ch.command(`${verb} <hub>`).description(description);
    if (verb === 'reject') c.requiredOption('--reason <reason>', REJECTION_REASONS.join(' | '));
    if (verb === 'install')
      c.requiredOption('--uprn <uprn>', 'installation location (key of the coverage table)');
    if (verb === 'remove')
      c.option('--fault <reason>', `fault return (8.14.3): ${FAULT_REASONS.join(' | ')}`).option(
        '--return-type <type>',
        `no-fault return (8.14.4): ${Object.keys(NO_FAULT_ALIASES).join(' | ')}`,
      );
    if (verb === 'diagnose')
      c.requiredOption('--outcome <outcome>', DIAGNOSIS_OUTCOMES.join(' | '))
        .option('--redeployable', 'the hub can be refurbished and redeployed')
        .option('--scrap', 'the hub cannot be redeployed');
    withConfig(c).action(
      (
        hub: string,
        o: ChFlags & {
          reason?: string;
          uprn?: string;
          fault?: string;
          returnType?: string;
          outcome?: string;
          redeployable?: boolean;
          scrap?: boolean;
        },
      ) => {
        const params: ChParams = {};
        if (o.reason !== undefined) params.rejectionReason = oneOf('--reason', o.reason, REJECTION_REASONS);
        if (o.uprn !== undefined) params.uprn = o.uprn;
        if (verb === 'remove') {
          const noFault = o.returnType;
          const fault = o.fault;
          if ((fault === undefined) === (noFault === undefined))
            throw new UsageError(
              'remove: exactly one of --fault REASON (8.14.3) or --return-type TYPE (no-fault return, 8.14.4)',
            );
          if (fault !== undefined) params.faultReason = oneOf('--fault', fault, FAULT_REASONS);
          else params.noFaultType = oneOf('--return-type', noFault!, NO_FAULT_RETURN_TYPES, NO_FAULT_ALIASES);
        }
        if (verb === 'diagnose') {
          if (o.redeployable === o.scrap)
            throw new UsageError('diagnose: exactly one of --redeployable or --scrap');
          params.outcome = oneOf('--outcome', o.outcome!, DIAGNOSIS_OUTCOMES);
          params.redeployable = o.redeployable === true;
        }
        exit(chEvent(verb, { ...chCommon(o), hubId: eui('hub', hub), params }, processIo()));
      },
    );
  }

  dbFlags(
    ch
      .command('coverage <uprn>')
      .description('the SM WAN coverage table: SM WAN at this location and the WAN variant to fit, or none')
      .option('--wan-variant <variant>', 'SM WAN available: the variant to fit')
      .option('--no-wan', 'no SM WAN at this location'),
    false,
  ).action((uprn: string, o: CommonFlags & { wanVariant?: string; wan?: boolean }) => {
    const none = o.wan === false;
    if (none === (o.wanVariant !== undefined))
      throw new UsageError('coverage: exactly one of --wan-variant V or --no-wan');
    exit(chCoverage({ ...common(o), uprn, wanVariant: none ? null : o.wanVariant! }, processIo()));
  });

  dbFlags(
    ch.command('history <hub>').description("the hub's timeline, with its CHF/GPF SMI Status changes"),
    false,
  ).action((hub: string, o: CommonFlags) =>
    exit(chHistory({ ...common(o), hubId: eui('hub', hub) }, processIo())),
  );
  dbFlags(
    ch.command('list').description('hubs by id').option('--state <state>', CH_STATES.join(' | ')),
    false,
  ).action((o: CommonFlags & { state?: string }) =>
    exit(
      chList(
        { ...common(o), ...(o.state !== undefined ? { state: oneOf('--state', o.state, CH_STATES) } : {}) },
        processIo(),
      ),
    ),
  );

  ch.command('simulate')
    .description(
      'a Supplier\'s estate through virtual days; resumable (rerun with the same flags and --db); last line {"summary": …}',
    )
    .requiredOption('--hubs <n>', 'hubs ordered over the first half of the run')
    .requiredOption('--days <n>', 'virtual days')
    .option('--seed <n>', 'PRNG seed (integer)', String(SIMULATION_DEFAULTS.seed))
    .option('--start <date>', 'first day (not before SEC F6–F9: 2016-02-10)', SIMULATION_DEFAULTS.start)
    .option(
      '--fault-rate <r>',
      'annual probability of a CH incident per installed hub',
      String(SIMULATION_DEFAULTS.faultRate),
    )
    .option(
      '--no-wan-rate <r>',
      'share of locations without SM WAN (install and leave)',
      String(SIMULATION_DEFAULTS.noWanRate),
    )
    .option('--config <file>', 'CH windows, timers and charges (JSON or YAML)')
    .option('--db <file>', 'the DCC database (SQLite)', './gbcs-sim.db')
    .option('--json', 'one JSON object per change before the summary')
    .action(
      (o: {
        hubs: string;
        days: string;
        seed: string;
        start: string;
        faultRate: string;
        wanRate: string;
        config?: string;
        db: string;
        json?: boolean;
      }) => {
        const params = {
          hubs: number('--hubs', o.hubs, 1, 1_000_000, true),
          days: number('--days', o.days, 1, 3650, true),
          seed: number('--seed', o.seed, 0, 0xffff_ffff, true),
          start: o.start,
          faultRate: number('--fault-rate', o.faultRate, 0, 1),
          // commander stores `--no-wan-rate <r>` as `wanRate`
          noWanRate: number('--no-wan-rate', o.wanRate, 0, 1),
          config: loadChConfig(o.config) ?? { ...DEFAULT_CH_CONFIG },
        };
        if (!/^\d{4}-\d{2}-\d{2}$/.test(o.start))
          throw new UsageError(`--start: YYYY-MM-DD (got ${o.start})`);
        const problems = simulationProblems(params);
        if (problems.length > 0) throw new UsageError(problems.join('; '));
        exit(chSimulate({ db: o.db, json: o.json === true, params }, processIo()));
      },
    );
}
