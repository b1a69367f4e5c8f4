/**
 * What `gbcs-sim ch` needs of sim/ for its flags (choices, defaults, checks); the commands are
 * app/ch.ts (bin/commands/ch.ts defines the flags and calls them).
 */
export { DEFAULT_CH_CONFIG } from '../../sim/ch/config.ts';
export {
  CH_STATES,
  type ChParams,
  DIAGNOSIS_OUTCOMES,
  FAULT_REASONS,
  HAN_VARIANTS,
  NO_FAULT_RETURN_TYPES,
  REGIONS,
  REJECTION_REASONS,
} from '../../sim/ch/machine.ts';
export { SIMULATION_DEFAULTS, simulationProblems } from '../../sim/ch/simulate.ts';
