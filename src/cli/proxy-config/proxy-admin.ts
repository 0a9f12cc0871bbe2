/**
 * Reaching a proxy's own admin server (Envoy's :15000) for the live state the control plane
 * cannot see: ejected hosts, enforced circuit breaker thresholds. istioctl port-forwards to the
 * pod's admin port (`--proxy-admin-port`, 15000); here the proxy's address comes from
 * `--proxy-admin-address HOST:PORT`, else from the control plane (the proxy's INSTANCE_IPS in
 * /debug/adsz, then 127.0.0.1) with `--proxy-admin-port`. An address found that way is used only if its
 * /server_info names the same proxy, so another process listening there is never mistaken for it.
 */
import http from 'node:http';
import { getDebugJson } from '../debug-client.js';
import { arr, obj, str } from './config-dump.js';

export const DEFAULT_PROXY_ADMIN_PORT = 15000;
const TIMEOUT_MS = 5000;

/** Where the admin is, or why it is not known. */
export type AdminLocation = { ok: true; address: string } | { ok: false; reason: string };

/** GETs JSON from a proxy admin; rejects with a message naming the address and what went wrong. */
export async function getAdminJson(address: string, path: string): Promise<unknown> {
  const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = http.get(`http://${address}${path}`, { agent: false, headers: { connection: 'close' }, timeout: TIMEOUT_MS }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timed out after ${TIMEOUT_MS / 1000} s`)));
    req.on('error', reject);
  }).catch((err: Error) => {
    throw new Error(`cannot reach the proxy's admin at ${address}: ${err.message}`);
  });
  if (status !== 200) throw new Error(`the proxy's admin at ${address}${path.replace(/\?.*/, '')}: HTTP ${status}: ${body.trim()}`);
  try {
    return JSON.parse(body) as unknown;
  } catch (err) {
    throw new Error(`the proxy's admin at ${address}${path.replace(/\?.*/, '')} did not return JSON: ${(err as Error).message}`);
  }
}

/** `HOST:PORT` with an IPv6 host bracketed. */
function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * The admin address of proxy `proxyId` (POD.NAMESPACE, as the control plane knows it).
 * `given`: --proxy-admin-address; `port`: --proxy-admin-port.
 */
export async function locateAdmin(debugAddress: string, proxyId: string, namespace: string | undefined, given: string | undefined, port: number): Promise<AdminLocation> {
  if (given !== undefined) return { ok: true, address: given };
  const query = new URLSearchParams({ proxyID: proxyId });
  if (namespace !== undefined) query.set('namespace', namespace);
  let adsz: unknown;
  try {
    adsz = await getDebugJson('proxy-config', debugAddress, `/debug/adsz?${query.toString()}`);
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  }
  const client = arr(obj(adsz)['clients'])[0];
  const ip = str(obj(client?.['metadata'])['INSTANCE_IPS']).split(',')[0]?.trim() ?? '';
  if (client === undefined) return { ok: false, reason: `the control plane's /debug/adsz does not list proxy ${proxyId}` };
  // The connection id is POD.NAMESPACE-N; the admin's node id is TYPE~IP~POD.NAMESPACE~DOMAIN.
  const pod = str(client['connectionId']).replace(/-\d+$/, '');
  // `tsmesh proxy` keeps its admin on 127.0.0.1 unless --admin-address says otherwise, whatever its --ip.
  const candidates = [...new Set([...(ip !== '' ? [hostPort(ip, port)] : []), hostPort('127.0.0.1', port)])];
  const failures: string[] = [];
  for (const address of candidates) {
    try {
      const info = obj(await getAdminJson(address, '/server_info'));
      const nodeId = str(obj(info['node'])['id']);
      if (nodeId.split('~')[2] === pod) return { ok: true, address };
      failures.push(`the admin at ${address} belongs to another proxy (${nodeId || 'no node id'})`);
    } catch (err) {
      failures.push((err as Error).message);
    }
  }
  return { ok: false, reason: failures.join('; ') };
}
