/**
 * Imports every device-model file so its handlers register (sim/models/registry.ts).
 * Add one import line per model file.
 */
export { handledCodes, handlerFor, registerHandler, type UseCaseHandler } from './registry.ts';
import './security-credentials.ts';
