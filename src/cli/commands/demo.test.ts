import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../../../bin/tsmesh.js', import.meta.url));

/** pid → start time (field 22 of /proc/PID/stat), so a reused pid is not mistaken for a leftover. */
function processes(): Map<number, { ppid: number; start: string }> {
  const out = new Map<number, { ppid: number; start: string }>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(name), { ppid: Number(fields[1]), start: fields[19] ?? '' });
    } catch {
      // exited while we read
    }
  }
  return out;
}

function descendants(root: number, table: Map<number, { ppid: number; start: string }>): Map<number, string> {
  const found = new Map<number, string>();
  let frontier = [root];
  while (frontier.length > 0) {
    const next: number[] = [];
    for (const [pid, p] of table) if (frontier.includes(p.ppid) && !found.has(pid)) (found.set(pid, p.start), next.push(pid));
    frontier = next;
  }
  return found;
}

const seen = new Map<number, string>();

after(() => {
  // Only on failure is anything left: stop what the demo started, by pid.
  const now = processes();
  for (const [pid, start] of seen) if (now.get(pid)?.start === start) process.kill(pid, 'SIGKILL');
});

test('tsmesh demo --once: installs, deploys Lab 6, routes plain → v1 and "user: debug" → v2, and leaves nothing behind', { skip: process.platform !== 'linux' && 'reads /proc' }, async () => {
  const child = spawn(process.execPath, [bin, 'demo', '--once', '--timeout', '90'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  // Every process the mesh starts is a descendant of the demo while it runs: record them all.
  const poll = setInterval(() => {
    for (const [pid, start] of descendants(child.pid ?? -1, processes())) seen.set(pid, start);
  }, 100);
  const killer = setTimeout(() => child.kill('SIGTERM'), 110_000);
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  clearInterval(poll);
  clearTimeout(killer);
  const output = `stdout:\n${stdout}\nstderr:\n${stderr}`;

  assert.equal(code, 0, output);
  const startup = /First request routed through the ingress gateway (\d+\.\d) s after start \(header routing in effect at (\d+\.\d) s\)/.exec(stdout);
  assert.ok(startup, output);
  assert.ok(Number(startup[1]) > 0 && Number(startup[2]) >= Number(startup[1]), output);
  const url = /^Gateway URL: (http:\/\/127\.20\.\d+\.\d+(:8080)?\/)$/m.exec(stdout);
  assert.ok(url, output);
  assert.match(stdout, /^ {2}GET http:\S+ +→ customers v1: 10, v2: 0$/m, output);
  assert.match(stdout, /^ {2}GET http:\S+ with "user: debug" +→ customers v1: 0, v2: 10$/m, output);
  assert.match(stdout, /curl -H "user: debug" http:\/\/127\.20\./, output);

  // The pods' processes: one pod host running them all, or one process per container.
  assert.ok(seen.size >= 1, `no process started by the demo was seen\n${output}`);
  const now = processes();
  const left = [...seen].filter(([pid, start]) => now.get(pid)?.start === start).map(([pid]) => pid);
  assert.deepEqual(left, [], `processes the demo started are still running: ${left.join(', ')}`);
  const dir = /with its state in (\S+) \(temporary\)/.exec(stdout)?.[1];
  assert.ok(dir !== undefined, output);
  assert.equal(existsSync(dir), false, `the temporary state directory ${dir} is still there`);
});
