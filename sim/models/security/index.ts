/**
 * The security, join and firmware use cases of the device models, and UTRN top-up: importing this
 * file registers their handlers.
 *
 * - security-and-join-credentials.ts: CS02a, CS02f (trust-anchor cells), CS02b, CS02g (replacement)
 * - security-and-join-devices.ts: CS03x joins, CS04x unjoins, CS07, GCS59 (Device Log)
 * - security-and-join-firmware.ts: CS06 (activate firmware), CS08 (firmware version)
 * - security-and-join-clock.ts: GCS28 (set clock on GSME)
 * - utrn-topup.ts: CS01a, CS01b (prepayment top-up by UTRN)
 * - chf.ts: the Communications Hub Function (Device Log, Sub GHz, identity)
 */
import './trust-anchor-cells.ts';
import './joins.ts';
import './firmware.ts';
import '../gsme/clock.ts';
import '../common/utrn-topup.ts';
import '../chf/index.ts';
