import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compileCidrRange, inRange, isLoopback, parseIp } from './cidr.js';

describe('parseIp', () => {
  const cases: { text: string; family: 0 | 4 | 6; words?: number[] }[] = [
    { text: '10.1.2.3', family: 4, words: [0x0a010203, 0, 0, 0] },
    { text: '255.255.255.255', family: 4, words: [0xffffffff, 0, 0, 0] },
    { text: '::ffff:127.0.0.1', family: 4, words: [0x7f000001, 0, 0, 0] },
    { text: '::1', family: 6, words: [0, 0, 0, 1] },
    { text: '::', family: 6, words: [0, 0, 0, 0] },
    { text: 'fe80::1%eth0', family: 6, words: [0xfe800000, 0, 0, 1] },
    { text: '2001:db8:0:0:1:0:0:1', family: 6, words: [0x20010db8, 0, 0x10000, 1] },
    { text: '1:2:3:4:5:6:7::', family: 6, words: [0x10002, 0x30004, 0x50006, 0x70000] },
    { text: '64:ff9b::1.2.3.4', family: 6, words: [0x0064ff9b, 0, 0, 0x01020304] },
    { text: '10.1.2', family: 0 },
    { text: '10.1.2.256', family: 0 },
    { text: '010.1.2.3', family: 0 },
    { text: '1::2::3', family: 0 },
    { text: '1:2:3:4:5:6:7:8:9', family: 0 },
    { text: 'g::1', family: 0 },
    { text: '1.2.3.4::', family: 0 },
    { text: '', family: 0 },
  ];
  for (const c of cases) {
    test(JSON.stringify(c.text), () => {
      const out = new Uint32Array(4);
      assert.equal(parseIp(c.text, out), c.family);
      if (c.words) assert.deepEqual([...out], c.words);
    });
  }
});

describe('CidrRange', () => {
  const cases: { range: [string, number]; ip: string; want: boolean }[] = [
    { range: ['10.0.0.0', 8], ip: '10.255.0.1', want: true },
    { range: ['10.0.0.0', 8], ip: '11.0.0.1', want: false },
    { range: ['10.1.2.3', 32], ip: '10.1.2.3', want: true },
    { range: ['10.1.2.3', 32], ip: '10.1.2.4', want: false },
    { range: ['0.0.0.0', 0], ip: '1.2.3.4', want: true },
    { range: ['0.0.0.0', 0], ip: '::1', want: false },
    { range: ['2001:db8::', 32], ip: '2001:db8:ffff::1', want: true },
    { range: ['2001:db8::', 33], ip: '2001:db8:8000::1', want: false },
    { range: ['::', 0], ip: 'fe80::1', want: true },
    { range: ['::1', 128], ip: '::1', want: true },
  ];
  for (const c of cases) {
    test(`${c.range.join('/')} ∋ ${c.ip} = ${c.want}`, () => {
      const r = compileCidrRange({ address_prefix: c.range[0], prefix_len: c.range[1] }, 'r');
      const words = new Uint32Array(4);
      assert.equal(inRange(r, parseIp(c.ip, words), words), c.want);
    });
  }

  test('keys are canonical', () => {
    assert.equal(compileCidrRange({ address_prefix: '10.9.9.9', prefix_len: 8 }, '').key, '10.0.0.0/8');
    assert.equal(compileCidrRange({ address_prefix: '2001:db8::1', prefixLen: { value: 32 } }, '').key, '2001:db8:0:0:0:0:0:0/32');
  });

  test('isLoopback', () => {
    const w = new Uint32Array(4);
    assert.equal(isLoopback(parseIp('127.9.9.9', w), w), true);
    assert.equal(isLoopback(parseIp('::1', w), w), true);
    assert.equal(isLoopback(parseIp('10.0.0.1', w), w), false);
  });
});
