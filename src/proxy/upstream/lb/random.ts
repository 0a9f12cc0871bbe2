/** RANDOM: a uniformly random host of the chosen source (Envoy's RandomLoadBalancer ignores weights). */
import type { Host } from '../host.js';
import { HostSourceLoadBalancer } from './host-source-lb.js';

export class RandomLoadBalancer extends HostSourceLoadBalancer<readonly Host[]> {
  protected createSource(hosts: readonly Host[]): readonly Host[] {
    return hosts;
  }

  protected pick(hosts: readonly Host[]): Host | null {
    const n = hosts.length;
    return n === 0 ? null : hosts[Math.floor(this.random() * n)]!;
  }
}
