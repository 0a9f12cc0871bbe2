import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { HTTP_INSPECTOR_MAX_INSPECT_SIZE, detectHttp } from './http-inspector.js';
import type { HttpDetection } from './http-inspector.js';

const cases: { name: string; input: string | Buffer; want: HttpDetection }[] = [
  { name: 'HTTP/1.1 request', input: 'GET / HTTP/1.1\r\nHost: a\r\n\r\n', want: 'http/1.1' },
  { name: 'HTTP/1.0 request', input: 'GET / HTTP/1.0\r\n\r\n', want: 'http/1.0' },
  { name: 'request line only', input: 'POST /x?y=1 HTTP/1.1\r\n', want: 'http/1.1' },
  { name: 'bare LF line end', input: 'GET / HTTP/1.1\n', want: 'http/1.1' },
  { name: 'custom method token (Balsa allows them)', input: 'PURGE /cache HTTP/1.1\r\n', want: 'http/1.1' },
  { name: 'CONNECT authority form', input: 'CONNECT a.com:443 HTTP/1.1\r\n', want: 'http/1.1' },
  { name: 'OPTIONS *', input: 'OPTIONS * HTTP/1.1\r\n', want: 'http/1.1' },
  { name: 'h2c preface', input: 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', want: 'h2c' },
  { name: 'h2c preface plus SETTINGS', input: Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])]), want: 'h2c' },
  { name: 'partial preface', input: 'PRI * HTTP/2', want: 'need-more' },
  { name: 'partial preface after the request line', input: 'PRI * HTTP/2.0\r\n\r\nS', want: 'need-more' },
  { name: 'empty', input: '', want: 'need-more' },
  { name: 'method only', input: 'GET', want: 'need-more' },
  { name: 'method and target', input: 'GET /index.html', want: 'need-more' },
  { name: 'partial version', input: 'GET / HTTP/1', want: 'need-more' },
  { name: 'version then CR', input: 'GET / HTTP/1.1\r', want: 'need-more' },
  { name: 'HTTP/2.0 request line is not HTTP/1', input: 'GET / HTTP/2.0\r\n', want: 'not-http' },
  { name: 'HTTP/0.9 style', input: 'GET /\r\n', want: 'not-http' },
  { name: 'lowercase version', input: 'GET / http/1.1\r\n', want: 'not-http' },
  { name: 'leading CRLF', input: '\r\nGET / HTTP/1.1\r\n', want: 'not-http' },
  { name: 'space first', input: ' GET / HTTP/1.1\r\n', want: 'not-http' },
  { name: 'two spaces', input: 'GET  / HTTP/1.1\r\n', want: 'not-http' },
  { name: 'TLS record', input: Buffer.from([0x16, 3, 1, 0, 10]), want: 'not-http' },
  { name: 'binary', input: Buffer.from([0, 1, 2, 3]), want: 'not-http' },
  { name: 'SSH banner', input: 'SSH-2.0-OpenSSH_9.0\r\n', want: 'not-http' },
  { name: 'text without version', input: 'HELLO world\r\n', want: 'not-http' },
  { name: 'bad version prefix early', input: 'GET / FTP', want: 'not-http' },
];

describe('detectHttp', () => {
  for (const c of cases) {
    test(c.name, () => assert.equal(detectHttp(typeof c.input === 'string' ? Buffer.from(c.input, 'latin1') : c.input), c.want));
  }

  test('a request line that never ends is too large at 64 KiB', () => {
    const long = Buffer.from(`GET /${'a'.repeat(HTTP_INSPECTOR_MAX_INSPECT_SIZE)}`);
    assert.equal(detectHttp(long.subarray(0, 1000)), 'need-more');
    assert.equal(detectHttp(long), 'too-large');
  });

  test('every prefix of a request is need-more until the line ends', () => {
    const req = Buffer.from('GET /path HTTP/1.1\r\n');
    for (let i = 1; i < req.length - 1; i++) assert.equal(detectHttp(req.subarray(0, i)), 'need-more', `prefix ${i}`);
    assert.equal(detectHttp(req), 'http/1.1');
  });
});
