import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, connect, type Socket } from 'node:net';
import { test } from 'node:test';
import { LoopTurns } from './loop-turns.js';

test('each turn runs in a loop iteration of its own: socket I/O started in one turn is handled before the next turn', async (t) => {
  const accepted: Socket[] = [];
  const server = createServer((s) => accepted.push(s));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  const client = connect(port, '127.0.0.1');
  await once(client, 'connect');
  while (accepted.length === 0) await new Promise((r) => setImmediate(r));
  t.after(() => {
    client.destroy();
    server.close();
  });
  const order: string[] = [];
  accepted[0]!.on('data', (d: Buffer) => order.push(`data ${d.toString()}`));

  const turns = new LoopTurns();
  await Promise.all(
    ['1', '2', '3'].map(async (i) => {
      await turns.next();
      order.push(`turn ${i}`);
      client.write(i);
    }),
  );
  const deadline = Date.now() + 2000;
  while (order.length < 6 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(order, ['turn 1', 'data 1', 'turn 2', 'data 2', 'turn 3', 'data 3']);
});

test('perTurn: that many waiters share an iteration; the next one resumes after their socket I/O', async (t) => {
  const accepted: Socket[] = [];
  const server = createServer((s) => accepted.push(s));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const client = connect((server.address() as { port: number }).port, '127.0.0.1');
  await once(client, 'connect');
  while (accepted.length === 0) await new Promise((r) => setImmediate(r));
  t.after(() => {
    client.destroy();
    server.close();
  });
  let received = '';
  const order: string[] = [];
  accepted[0]!.on('data', (d: Buffer) => (received += d.toString()));

  const turns = new LoopTurns(2);
  await Promise.all(
    ['1', '2', '3'].map(async (i) => {
      await turns.next();
      order.push(`turn ${i} (received "${received}")`);
      client.write(i);
    }),
  );
  const deadline = Date.now() + 2000;
  while (received.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(order, ['turn 1 (received "")', 'turn 2 (received "")', 'turn 3 (received "12")']);
});
