/**
 * Istio's HTTP proxy listener (ListenerBuilder.buildHTTPProxy, pilot/pkg/networking/core/
 * listener.go): with MeshConfig proxyHttpPort (or the proxy's HTTP_PROXY_PORT metadata) set, a
 * sidecar listens on localhost at that port for applications that use it as their
 * `HTTP_PROXY` and send absolute-form requests (`GET http://customers:3000/ HTTP/1.1`). Its one
 * chain is an HTTP connection manager that accepts absolute URLs and routes by authority through
 * RDS `http_proxy` (route/http-proxy-routes.ts): every HTTP service in scope on every port.
 *
 * In NONE mode the listener binds the proxy's TSMESH_BIND_ADDRESS instead of localhost, so each
 * pod of the local platform has its own `POD_IP:15080` (see interception.ts).
 */
import type { Proxy } from '../../model/proxy.js';
import type { PushContext } from '../../model/push-context.js';
import type { EnvoyJson } from '../generated.js';
import { HTTP_PROXY_ROUTE, outboundListenerName } from '../names.js';
import { buildHttpConnectionManager } from './http-connection-manager.js';
import { canBindPort, httpProxyPort, localBindAddress } from './interception.js';
import { buildOutboundListener } from './outbound-listener.js';

/** The listener, or null when the proxy has no HTTP proxy port (Istio's default) or may not bind it. */
export function buildHttpProxyListener(proxy: Proxy, push: PushContext): EnvoyJson | null {
  const port = httpProxyPort(proxy, push.mesh.proxyHttpPort);
  if (port === 0 || !canBindPort(proxy, true, port)) return null;
  const bind = localBindAddress(proxy);
  const name = outboundListenerName(bind, port);
  const hcm = buildHttpConnectionManager({
    statPrefix: `outbound_${name}`,
    route: { rds: HTTP_PROXY_ROUTE },
    useRemoteAddress: false,
    // What makes it a forward proxy: absolute-form request targets are accepted and routed by their authority.
    httpProtocolOptions: { allow_absolute_url: true },
    mesh: push.mesh,
  });
  // Istio builds it as an outbound listener entry with one match-all chain (no listener filters).
  return buildOutboundListener(proxy, push, { name, bind, port, bindToPort: true, chains: [{ filters: [hcm] }], protocol: 'HTTP_PROXY' });
}
