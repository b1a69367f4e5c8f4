/**
 * ZCL global frames and values (protocol/gbz/zcl.ts): little-endian integers, strings, UTCTime,
 * Read/Write Attributes and their responses, Default Response — round trips, known bytes, and
 * typed errors on malformed input.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../protocol/bytes.ts';
import { DecodeError, ErrorCode } from '../../../protocol/errors.ts';
import {
  decodeDefaultResponse,
  decodeReadAttributes,
  decodeReadAttributesResponse,
  decodeWriteAttributes,
  decodeWriteAttributesResponse,
  encodeDefaultResponse,
  encodeReadAttributes,
  encodeReadAttributesResponse,
  encodeWriteAttributes,
  encodeWriteAttributesResponse,
  fromZclUtcTime,
  intLe,
  intOfLe,
  isClusterSpecific,
  isServerToClient,
  toZclUtcTime,
  uintLe,
  uintOfLe,
  ZclStatus,
  ZclType,
  zclNumberOf,
  zclNumberValue,
  zclString,
  zclStringContent,
} from '../../../protocol/gbz/zcl.ts';
import { errorOf } from '../../fixtures/errors.ts';

describe('ZCL values', () => {
  it('writes and reads little-endian integers of 1 to 6 bytes', () => {
    expect(toHex(uintLe(12345, 6))).toBe('393000000000');
    expect(toHex(uintLe(1000, 3))).toBe('e80300');
    expect(toHex(intLe(-5_000_000, 4))).toBe('c0b4b3ff');
    expect(intOfLe(fromHex('c0b4b3ff'))).toBe(-5_000_000);
    expect(uintOfLe(fromHex('ffffffffffff'))).toBe(2 ** 48 - 1);
    expect(() => uintLe(256, 1)).toThrow(RangeError);
    expect(() => intLe(2 ** 31, 4)).toThrow(RangeError);
  });

  it('round-trips any uint48 and int32 (property)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 48 - 1 }), (v) => uintOfLe(uintLe(v, 6)) === v));
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (v) => intOfLe(intLe(v, 4)) === v),
    );
  });

  it('maps numeric data types to their sizes and signedness', () => {
    expect(toHex(zclNumberValue(ZclType.UINT24, 1000))).toBe('e80300');
    expect(toHex(zclNumberValue(ZclType.INT32, -1))).toBe('ffffffff');
    expect(zclNumberOf(ZclType.INT32, fromHex('ffffffff'))).toBe(-1);
    expect(zclNumberOf(ZclType.BITMAP16, fromHex('970c'))).toBe(0x0c97);
    expect(() => zclNumberValue(ZclType.OCTET_STRING, 1)).toThrow(RangeError);
  });

  it('length-prefixes strings; 0xFF is an invalid (empty) string', () => {
    expect(toHex(zclString('1000999888'))).toBe('0a31303030393939383838');
    expect(new TextDecoder().decode(zclStringContent(fromHex('0a31303030393939383838')))).toBe('1000999888');
    expect(zclStringContent(Uint8Array.of(0xff)).length).toBe(0);
    expect(() => zclString(new Uint8Array(255))).toThrow(RangeError);
  });

  it('counts UTCTime in seconds from 2000-01-01 (RTDS: 0x1C374A80 = 2015-01-01)', () => {
    expect(toZclUtcTime(Date.UTC(2015, 0, 1))).toBe(0x1c374a80);
    expect(fromZclUtcTime(0x1c374a80)).toBe(Date.UTC(2015, 0, 1));
    expect(toZclUtcTime(Date.UTC(1999, 0, 1))).toBe(0);
  });

  it('reads frame-control type and direction', () => {
    expect(isClusterSpecific(0x09)).toBe(true);
    expect(isClusterSpecific(0x18)).toBe(false);
    expect(isServerToClient(0x19)).toBe(true);
    expect(isServerToClient(0x01)).toBe(false);
  });
});

describe('ZCL global commands', () => {
  it('Read Attributes and its Response (RTDS GCS13a)', () => {
    expect(decodeReadAttributes(fromHex('0203010300030000'))).toEqual([0x0302, 0x0301, 0x0300, 0x0000]);
    expect(toHex(encodeReadAttributes([0x0302, 0x0301]))).toBe('02030103');
    expect(errorOf(() => decodeReadAttributes(fromHex('020301'))).code).toBe(ErrorCode.BAD_LENGTH);
    const hex = '02030022e8030000000025393000000000' + '0103c0';
    const records = decodeReadAttributesResponse(fromHex(hex));
    expect(records).toMatchObject([
      { attributeId: 0x0302, status: 0, dataType: ZclType.UINT24 },
      { attributeId: 0x0000, status: 0, dataType: ZclType.UINT48 },
      { attributeId: 0x0301, status: ZclStatus.HARDWARE_FAILURE, dataType: null },
    ]);
    expect(toHex(encodeReadAttributesResponse(records))).toBe(hex);
    expect(errorOf(() => decodeReadAttributesResponse(fromHex('0203002203'))).code).toBe(ErrorCode.TRUNCATED);
  });

  it('Write Attributes and its Response', () => {
    const records = [
      { attributeId: 0x0307, dataType: ZclType.OCTET_STRING, value: zclString('1234567890') },
      { attributeId: 0x0031, dataType: ZclType.UINT32, value: uintLe(500000, 4) },
    ];
    const bytes = encodeWriteAttributes(records);
    expect(decodeWriteAttributes(bytes)).toEqual(records);
    expect(toHex(encodeWriteAttributesResponse([]))).toBe('00');
    expect(decodeWriteAttributesResponse(Uint8Array.of(0))).toEqual([]);
    const failed = encodeWriteAttributesResponse([{ attributeId: 0x0307, status: ZclStatus.READ_ONLY }]);
    expect(toHex(failed)).toBe('880703');
    expect(decodeWriteAttributesResponse(failed)).toEqual([
      { attributeId: 0x0307, status: ZclStatus.READ_ONLY },
    ]);
  });

  it('Default Response: command id and status', () => {
    expect(toHex(encodeDefaultResponse({ commandId: 0x06, status: ZclStatus.NOT_FOUND }))).toBe('068b');
    expect(decodeDefaultResponse(fromHex('ff01'))).toEqual({ commandId: 0xff, status: ZclStatus.FAILURE });
    expect(errorOf(() => decodeDefaultResponse(fromHex('06'))).code).toBe(ErrorCode.TRUNCATED);
    expect(errorOf(() => decodeDefaultResponse(fromHex('060000'))).code).toBe(ErrorCode.TRAILING_BYTES);
  });

  it('decoders fail with typed errors only (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        for (const f of [
          decodeReadAttributesResponse,
          decodeWriteAttributes,
          decodeWriteAttributesResponse,
        ]) {
          try {
            f(b);
          } catch (e) {
            if (!(e instanceof DecodeError)) return false;
          }
        }
        return true;
      }),
    );
  });
});
