/**
 * The Communications Hub Function model: importing this file registers its handlers.
 *
 * - chf-device-log.ts: CCS01, CCS02, CCS03, CCS04/05, CCS06, CCS07 (Device Log, Historic Device Log)
 * - chf-sub-ghz.ts: DBCH01–DBCH05 (Sub GHz configuration, channel, scan, channel log)
 * - chf-identity.ts: ECS26i, ECS26n, ECS52 (identity, type, firmware version)
 * - chf-logs.ts: ECS35c, ECS35d (the CHF Event Log and Security Log, chf-events.ts)
 * - chf-state.ts: the state (`model.chf`)
 */
import './device-log.ts';
import './sub-ghz.ts';
import './identity.ts';
import './logs.ts';
