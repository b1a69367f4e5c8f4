/**
 * CRC-16/CCITT-FALSE (a.k.a. CRC-16/IBM-3740 in the Williams/Greg Cook catalogue): polynomial
 * 0x1021, initial value 0xFFFF, no input or output reflection, no final XOR. Check value: the ASCII
 * bytes "123456789" give 0x29B1 (pinned by a test). Used by the binary framing (hw/framing/binary.ts).
 */

const TABLE = (() => {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 8;
    for (let b = 0; b < 8; b++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff;
    t[i] = c;
  }
  return t;
})();

/** CRC of `bytes[start..end)`, continuing from `crc` (default the initial value 0xFFFF). 0..0xFFFF. */
export function crc16CcittFalse(bytes: Uint8Array, start = 0, end = bytes.length, crc = 0xffff): number {
  let c = crc;
  for (let i = start; i < end; i++) c = ((c << 8) & 0xffff) ^ TABLE[((c >> 8) ^ bytes[i]!) & 0xff]!;
  return c;
}
