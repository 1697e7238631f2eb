import type { IncomingMessage } from 'node:http';
import { clientIp } from './client-ip';

const request = (remoteAddress: string, forwardedFor?: string): IncomingMessage =>
  ({
    socket: { remoteAddress },
    headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
  }) as unknown as IncomingMessage;

describe(clientIp.name, () => {
  it('takes the TCP peer and ignores X-Forwarded-For when the proxy is not trusted', () => {
    expect(clientIp(request('10.0.0.7', '1.2.3.4'), false)).toBe('10.0.0.7');
  });

  it('takes the entry the trusted proxy appended, not one the client wrote', () => {
    expect(clientIp(request('10.0.0.2', '6.6.6.6, 203.0.113.9'), true)).toBe('203.0.113.9');
    expect(clientIp(request('10.0.0.2', '203.0.113.9'), true)).toBe('203.0.113.9');
  });

  it('falls back to the peer when a trusted proxy sent no header', () => {
    expect(clientIp(request('10.0.0.2'), true)).toBe('10.0.0.2');
    expect(clientIp(request('10.0.0.2', ' , '), true)).toBe('10.0.0.2');
  });

  it('treats IPv4-mapped IPv6 addresses as IPv4', () => {
    expect(clientIp(request('::ffff:127.0.0.1'), false)).toBe('127.0.0.1');
  });
});
