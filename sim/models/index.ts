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

import './security/key-lifecycle.ts';
import './esme/esme.ts';
import './security/index.ts';
import './gpf/gpf.ts';
