import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';

/**
 * The bench's upstream: a plain Node `http` server answering every request with the same 1 KiB
 * body. It runs in its own process so its CPU and the proxy's are measured apart. Its keep-alive
 * timeout is long so that no proxy in the bench ever meets a connection the upstream is closing.
 */
const BODY = Buffer.alloc(1024, 'x');
const HEADERS = { 'content-type': 'text/plain', 'content-length': String(BODY.length) };

function main(): void {
  const server = createServer((req, res) => {
    // Drain any request body; the bench sends GETs, but a proxy may forward something odd.
    req.resume();
    res.writeHead(200, HEADERS);
    res.end(BODY);
  });
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 125_000;
  server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
    const address = server.address();
    process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : 0}\n`);
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
