/** The DNS-rebinding guard (app/host-check.ts): Host names the bound address and port; Origin is the server's own. */
import { describe, expect, it } from 'vitest';
import { hostAllowed, originAllowed, requestRefusal } from '../../app/host-check.ts';

describe('host check', () => {
  it('loopback names with the port pass whatever the bind address; others, other ports and no port fail', () => {
    for (const h of ['127.0.0.1:8080', 'localhost:8080', 'LOCALHOST:8080', '[::1]:8080'])
      expect(hostAllowed(h, '127.0.0.1', 8080), h).toBe(true);
    for (const h of [
      undefined,
      '',
      'evil.example',
      'evil.example:8080',
      '127.0.0.1',
      '127.0.0.1:8081',
      'localhost.evil.example:8080',
      '127.0.0.1:8080@evil',
    ])
      expect(hostAllowed(h, '127.0.0.1', 8080), String(h)).toBe(false);
  });
  it('the --host given passes; a wildcard bind accepts IP literals (never a DNS name)', () => {
    expect(hostAllowed('192.168.1.5:9000', '192.168.1.5', 9000)).toBe(true);
    expect(hostAllowed('192.168.1.6:9000', '192.168.1.5', 9000)).toBe(false);
    expect(hostAllowed('[fe80::1]:9000', 'fe80::1', 9000)).toBe(true);
    expect(hostAllowed('10.0.0.7:9000', '0.0.0.0', 9000)).toBe(true);
    expect(hostAllowed('[2001:db8::1]:9000', '::', 9000)).toBe(true);
    expect(hostAllowed('evil.example:9000', '0.0.0.0', 9000)).toBe(false);
  });
  it('origin: http and an allowed host:port only', () => {
    expect(originAllowed('http://127.0.0.1:8080', '127.0.0.1', 8080)).toBe(true);
    expect(originAllowed('http://localhost:8080', '127.0.0.1', 8080)).toBe(true);
    for (const o of [
      'null',
      'http://evil.example',
      'https://127.0.0.1:8080',
      'http://127.0.0.1:8081',
      'http://127.0.0.1',
      'http://127.0.0.1:8080/x',
    ])
      expect(originAllowed(o, '127.0.0.1', 8080), o).toBe(false);
  });
  it('refusal: 421 for Host, 403 for a foreign Origin on a POST, none for GET with any Origin or a POST without one', () => {
    const h = '127.0.0.1:80';
    expect(
      requestRefusal({ method: 'GET', host: 'evil.example:80', origin: undefined }, '127.0.0.1', 80)?.status,
    ).toBe(421);
    expect(
      requestRefusal({ method: 'POST', host: h, origin: 'http://evil.example' }, '127.0.0.1', 80)?.status,
    ).toBe(403);
    expect(
      requestRefusal({ method: 'GET', host: h, origin: 'http://evil.example' }, '127.0.0.1', 80),
    ).toBeNull();
    expect(requestRefusal({ method: 'POST', host: h, origin: undefined }, '127.0.0.1', 80)).toBeNull();
    expect(
      requestRefusal({ method: 'POST', host: h, origin: 'http://127.0.0.1' }, '127.0.0.1', 80),
    ).toBeNull();
  });
});
