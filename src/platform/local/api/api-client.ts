/**
 * The CLI's side of the mesh API: finds the running mesh through the state directory's mesh.json
 * and calls one route. "Not running" is the most common mistake, so it gets its own clear message.
 */
import { request } from 'node:http';
import { readMeshInfo, type MeshInfo } from '../mesh-info.js';
import type { StateDir } from '../state-dir.js';

export class MeshNotRunning extends Error {
  constructor(dir: StateDir) {
    super(`no mesh is running with state directory ${dir.root}: start one with \`tsmesh install\` (or pass --state-dir DIR)`);
  }
}

export class MeshApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export class MeshClient {
  readonly info: MeshInfo;

  private constructor(info: MeshInfo) {
    this.info = info;
  }

  static async connect(dir: StateDir): Promise<MeshClient> {
    const info = await readMeshInfo(dir);
    if (info === undefined) throw new MeshNotRunning(dir);
    return new MeshClient(info);
  }

  call<T>(route: string, body: Record<string, unknown> = {}, timeoutMs = 120_000): Promise<T> {
    const payload = JSON.stringify(body);
    return new Promise<T>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: this.info.apiPort,
          method: 'POST',
          path: `/api/${route}`,
          headers: { authorization: `Bearer ${this.info.token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
          timeout: timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            let value: unknown;
            try {
              value = JSON.parse(Buffer.concat(chunks).toString('utf8'));
            } catch {
              reject(new MeshApiError(res.statusCode ?? 0, `the mesh answered ${res.statusCode ?? '?'} with a body that is not JSON`));
              return;
            }
            if (res.statusCode !== 200) reject(new MeshApiError(res.statusCode ?? 0, (value as { error?: string }).error ?? `HTTP ${res.statusCode ?? '?'}`));
            else resolve(value as T);
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`the mesh did not answer ${route} within ${timeoutMs} ms`)));
      req.on('error', (err) => reject(new MeshApiError(0, `cannot reach the mesh on 127.0.0.1:${this.info.apiPort}: ${err.message}`)));
      req.end(payload);
    });
  }
}
