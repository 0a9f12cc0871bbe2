/**
 * The kubelet's readiness view of a local container, without probes in the spec: an app with ports
 * is ready when every port accepts a TCP connection; a proxy when its admin `/ready` answers 200
 * (Envoy's LIVE state, what Istio's 15021/healthz/ready reports); anything else once running.
 */
import { connect } from 'node:net';
import { request } from 'node:http';

export type ReadinessCheck = () => Promise<boolean>;

export function tcpReady(host: string, ports: readonly number[]): ReadinessCheck {
  return async () => {
    for (const port of ports) if (!(await canConnect(host, port))) return false;
    return true;
  };
}

export function httpReady(host: string, port: number, path: string): ReadinessCheck {
  return () =>
    new Promise<boolean>((resolve) => {
      const req = request({ host, port, path, timeout: 1_000 }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve(false));
      req.end();
    });
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const socket = connect({ host, port, timeout: 1_000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}
