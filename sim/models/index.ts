/**
 * Imports every device-model file so its handlers register (sim/models/registry.ts).
 * Add one import line per model file.
 */
export {
  handledCodes,
  handlerFor,
  type ModelProvisioner,
  type ProvisioningHints,
  provisionModel,
  registerHandler,
  registerProvisioner,
  type UseCaseHandler,
} from './registry.ts';

import './security-credentials.ts';
import './esme.ts';
import './security-and-join.ts';
import './gpf.ts';
