/**
 * Reading the control plane's debug HTTP server (istiod :15014 /debug/*) for proxy-status and
 * proxy-config. One request per connection (no keep-alive), so a CLI run exits as soon as it
 * has printed.
 */
import http from 'node:http';
import { CliError } from './cli-error.js';

/** `--discovery-address` default: the debug port of a control plane on this machine. */
export const DEFAULT_DEBUG_ADDRESS = '127.0.0.1:15014';

/** GETs `path` from `address` (`HOST:PORT` or an http:// URL) and parses JSON; CliError on failure. */
export async function getDebugJson(command: string, address: string, path: string): Promise<unknown> {
  const base = /^https?:\/\//.test(address) ? address : `http://${address}`;
  let url: URL;
  try {
    url = new URL(path, base);
  } catch {
    throw new CliError(`tsmesh ${command}: --discovery-address ${JSON.stringify(address)} is not HOST:PORT`);
  }
  const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = http.get(url, { agent: false, headers: { connection: 'close' }, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timed out after 10 s')));
    req.on('error', reject);
  }).catch((err: Error) => {
    throw new CliError(`tsmesh ${command}: cannot reach the control plane's debug server at ${url.host}: ${err.message} (is the control plane running? set --discovery-address)`);
  });
  if (status !== 200) throw new CliError(`tsmesh ${command}: ${url.pathname}: HTTP ${status}: ${body.trim()}`);
  try {
    return JSON.parse(body) as unknown;
  } catch (err) {
    throw new CliError(`tsmesh ${command}: ${url.pathname} did not return JSON: ${(err as Error).message}`);
  }
}
