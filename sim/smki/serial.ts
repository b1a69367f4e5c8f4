/** Certificate serial numbers as the SMKI Repository keys them. */

/**
 * Normalises a serial given as hex (any case, optional leading zeros): lowercase, no leading zero
 * octets, an even number of digits. null when it is not 1–64 hex digits.
 */
export function normaliseSerial(serial: string): string | null {
  const s = serial.trim();
  if (!/^[0-9a-fA-F]{1,64}$/.test(s)) return null;
  let h = s.toLowerCase().replace(/^0+/, '');
  if (h.length === 0) h = '0';
  if (h.length % 2) h = `0${h}`;
  return h;
}
