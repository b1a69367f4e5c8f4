/**
 * What `gbcs-sim inventory` needs of sim/ for its flags (choices, defaults, checks); the commands are
 * app/inventory.ts (bin/commands/inventory.ts defines the flags and calls them).
 */
export { DEVICE_TYPES, SMI_STATUSES, TYPE_2_DEVICE_TYPES } from '../../sim/inventory/smi-status.ts';
