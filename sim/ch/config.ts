/**
 * Timers, windows and charges of the Communications Hub lifecycle (reference §7, §5.4): configuration
 * with the reference's defaults. Each says whether the source states it [S] or the simulator assumes
 * it [A] (the SEC F6–F9 and CHIMSM texts were not available: §10).
 */

export interface ChConfig {
  /** Working Days after delivery to accept or reject a consignment [A: 5]. */
  acceptanceWindowWorkingDays: number;
  /** Calendar months after removal to return a hub before it counts as lost [A: 3]. */
  returnWindowMonths: number;
  /** Working Days the DCC takes to diagnose a returned hub (simulation scheduling) [A: 20]. */
  diagnosisWorkingDays: number;
  /** Days the DCC has to resolve an install-and-leave (reactive) [S28: 90]. */
  installLeaveResolutionDays: number;
  /** Refurbishment of a redeployable hub, pence [S27: £8.27]. */
  refurbishmentPence: number;
  /** Scrapping a hub that cannot be redeployed, single-band HAN, pence [S27: £30.87]. */
  scrapSingleBandPence: number;
  /** Scrapping, dual-band HAN, pence [S27: £58.75]. */
  scrapDualBandPence: number;
  /** A lost, stolen or never-returned hub, single-band, pence [A: the scrap charge]. */
  lostSingleBandPence: number;
  /** A lost, stolen or never-returned hub, dual-band, pence [A: the scrap charge]. */
  lostDualBandPence: number;
}

export const DEFAULT_CH_CONFIG: Readonly<ChConfig> = Object.freeze({
  acceptanceWindowWorkingDays: 5,
  returnWindowMonths: 3,
  diagnosisWorkingDays: 20,
  installLeaveResolutionDays: 90,
  refurbishmentPence: 827,
  scrapSingleBandPence: 3087,
  scrapDualBandPence: 5875,
  lostSingleBandPence: 3087,
  lostDualBandPence: 5875,
});

/** Which defaults the sources state (the rest are assumptions). */
export const CH_CONFIG_STATED: ReadonlySet<keyof ChConfig> = new Set([
  'installLeaveResolutionDays',
  'refurbishmentPence',
  'scrapSingleBandPence',
  'scrapDualBandPence',
]);

/**
 * Reads a configuration object (from JSON/YAML): any subset of `ChConfig`, each a non-negative
 * integer (windows ≥ 1). Unknown keys are problems, so a typo is not silently ignored.
 */
export function parseChConfig(
  value: unknown,
): { ok: true; config: ChConfig } | { ok: false; problems: string[] } {
  if (value === null || value === undefined) return { ok: true, config: { ...DEFAULT_CH_CONFIG } };
  if (typeof value !== 'object' || Array.isArray(value))
    return { ok: false, problems: ['the configuration must be an object of named values'] };
  const problems: string[] = [];
  const config: ChConfig = { ...DEFAULT_CH_CONFIG };
  for (const [k, v] of Object.entries(value)) {
    if (!(k in DEFAULT_CH_CONFIG)) {
      problems.push(`unknown setting ${k} (known: ${Object.keys(DEFAULT_CH_CONFIG).join(', ')})`);
      continue;
    }
    const min = k.endsWith('Pence') ? 0 : 1;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > 1_000_000)
      problems.push(`${k}: an integer from ${min} to 1000000 (got ${JSON.stringify(v)})`);
    else config[k as keyof ChConfig] = v;
  }
  return problems.length ? { ok: false, problems } : { ok: true, config };
}
