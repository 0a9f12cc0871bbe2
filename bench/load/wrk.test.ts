import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseWrk } from './wrk.js';

const OK = `Running 1s test @ http://127.0.0.1:37327/
  1 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   127.79us  397.52us   7.24ms   94.81%
    Req/Sec    79.18k    25.00k   94.41k    81.82%
  86232 requests in 1.10s, 96.79MB read
Requests/sec:  78433.94
Transfer/sec:     88.04MB
`;

const WITH_ERRORS = `Running 10s test @ http://127.0.0.1:1234/
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   700.00us  100.00us   2.00ms   90.00%
    Req/Sec    45.00k     1.00k   46.00k    80.00%
  450000 requests in 10.00s, 500.00MB read
  Socket errors: connect 0, read 3, write 0, timeout 2
  Non-2xx or 3xx responses: 10
Requests/sec:  45000.00
Transfer/sec:     50.00MB
`;

describe('parseWrk', () => {
  const cases = [
    { name: 'clean run', input: OK, want: { requestsPerSec: 78433.94, requests: 86232, seconds: 1.1, errors: 0 } },
    { name: 'socket errors and non-2xx add up', input: WITH_ERRORS, want: { requestsPerSec: 45000, requests: 450000, seconds: 10, errors: 15 } },
    { name: 'duration in ms', input: OK.replace('in 1.10s', 'in 900.00ms'), want: { requestsPerSec: 78433.94, requests: 86232, seconds: 0.9, errors: 0 } },
  ];
  for (const c of cases) test(c.name, () => assert.deepEqual(parseWrk(c.input), c.want));

  test('unreadable output is an error, not a zero', () => {
    assert.throws(() => parseWrk('unable to connect to 127.0.0.1:1 Connection refused'), /cannot read wrk output/);
  });
});
