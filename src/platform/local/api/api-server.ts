/**
 * The local mesh's API: how `tsmesh apply/get/delete/label/logs/exec/rollout/uninstall` talk to the
 * running mesh. JSON over HTTP on 127.0.0.1 only, every request carrying the install's bearer
 * token (from mesh.json, readable by its owner only), so another local user cannot drive the mesh.
 * One POST route per verb; handlers are the mesh's, this file is only transport.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';

export type ApiHandler = (body: Record<string, unknown>) => Promise<unknown>;

export class ApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** Requests larger than this are refused: a YAML file of a few MB is already unusual. */
const MAX_BODY_BYTES = 32 * 1024 * 1024;

export class ApiServer {
  readonly #token: Buffer;
  readonly #routes: ReadonlyMap<string, ApiHandler>;
  #server: Server | undefined;

  constructor(token: string, routes: Readonly<Record<string, ApiHandler>>) {
    this.#token = Buffer.from(token);
    this.#routes = new Map(Object.entries(routes));
  }

  async listen(host = '127.0.0.1', port = 0): Promise<number> {
    const server = createServer((req, res) => void this.#handle(req, res));
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    return (server.address() as { port: number }).port;
  }

  async close(): Promise<void> {
    const server = this.#server;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      if (!this.#authorized(req.headers.authorization)) throw new ApiError(401, 'missing or wrong token (mesh.json in the state directory holds it)');
      const route = (req.url ?? '').replace(/^\/api\//, '').replace(/\?.*$/, '');
      const handler = this.#routes.get(route);
      if (req.method !== 'POST' || handler === undefined) throw new ApiError(404, `no API ${req.method ?? ''} ${req.url ?? ''}`);
      const body = await readJson(req);
      const result = await handler(body);
      send(res, 200, result ?? {});
    } catch (err) {
      const status = err instanceof ApiError ? err.status : 500;
      send(res, status, { error: err instanceof Error ? err.message : String(err) });
    }
  }

  #authorized(header: string | undefined): boolean {
    const given = Buffer.from(header?.replace(/^Bearer /, '') ?? '');
    return given.length === this.#token.length && timingSafeEqual(given, this.#token);
  }
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new ApiError(413, `request larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return {};
  let value: unknown;
  try {
    value = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new ApiError(400, 'request body is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ApiError(400, 'request body must be a JSON object');
  return value as Record<string, unknown>;
}

function send(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
