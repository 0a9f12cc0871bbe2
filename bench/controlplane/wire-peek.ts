/**
 * Just enough of a serialized Cluster to subscribe like Envoy: its name (field 1) and whether its
 * discovery type (field 2, oneof cluster_discovery_type) is EDS. Walking the top-level protobuf
 * fields costs a fraction of decoding the message to JSON, which matters with 200 clients × a few
 * thousand clusters in one process.
 */

/** envoy.config.cluster.v3.Cluster.DiscoveryType.EDS */
const EDS = 3;

export interface ClusterPeek {
  readonly name: string;
  readonly eds: boolean;
}

export function peekCluster(buf: Uint8Array): ClusterPeek {
  let pos = 0;
  let name = '';
  let type = 0;
  const varint = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (pos >= buf.length) throw new Error('truncated varint');
      const b = buf[pos++]!;
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
    }
  };
  while (pos < buf.length) {
    const tag = varint();
    const field = Math.floor(tag / 8);
    switch (tag & 7) {
      case 0: {
        const v = varint();
        if (field === 2) type = v;
        break;
      }
      case 1:
        pos += 8;
        break;
      case 2: {
        const len = varint();
        if (field === 1) name = Buffer.from(buf.buffer, buf.byteOffset + pos, len).toString('utf8');
        pos += len;
        break;
      }
      case 5:
        pos += 4;
        break;
      default:
        throw new Error(`unsupported wire type ${tag & 7}`);
    }
  }
  return { name, eds: type === EDS };
}

/** Every `rds.route_config_name` in a decoded Listener (HCMs in filter chains, default chain). */
export function routeNames(listener: unknown, out: Set<string> = new Set()): Set<string> {
  if (Array.isArray(listener)) {
    for (const x of listener) routeNames(x, out);
  } else if (typeof listener === 'object' && listener !== null) {
    for (const [k, v] of Object.entries(listener)) {
      if (k === 'rds' && typeof v === 'object' && v !== null && typeof (v as { route_config_name?: unknown }).route_config_name === 'string') {
        out.add((v as { route_config_name: string }).route_config_name);
      } else routeNames(v, out);
    }
  }
  return out;
}
