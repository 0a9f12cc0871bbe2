/**
 * README "distribution" (HTTPRouteWeight): after the case passes normally, up to `attempts`
 * rounds of `requests` requests (`concurrency` at a time, half of them with a random X-Jitter
 * header), each of which must pass the case's checks; a round passes when the backends seen
 * (pod name minus its last two `-` parts) are exactly those with weight > 0 and every share is
 * within `tolerance` of its weight.
 */
import type { Case } from './corpus.js';
import { check, prepare, send } from './check.js';
import type { Target } from './check.js';

export interface WeightDistribution {
  requests: number;
  concurrency: number;
  tolerance: number;
  attempts: number;
  expectedWeights: Record<string, number>;
}

export async function checkDistribution(c: Case, target: Target, timeoutMs: number): Promise<string | undefined> {
  const d = c.distribution as WeightDistribution;
  let last = 'no attempt';
  for (let attempt = 0; attempt < d.attempts; attempt++) {
    const round = await oneRound(c, d, target, timeoutMs);
    if (round === undefined) return undefined;
    last = `attempt ${attempt + 1}: ${round}`;
  }
  return last;
}

async function oneRound(c: Case, d: WeightDistribution, target: Target, timeoutMs: number): Promise<string | undefined> {
  const counts = new Map<string, number>();
  let next = 0;
  let failure: string | undefined;
  const worker = async (): Promise<void> => {
    while (next < d.requests && failure === undefined) {
      next++;
      const headers = Math.random() < 0.5 ? { ...(c.request!.headers ?? {}), 'X-Jitter': String(Math.floor(Math.random() * 10000)) } : c.request!.headers;
      const prepared = prepare({ ...c.request!, ...(headers ? { headers } : {}) }, c.expected);
      try {
        const observed = await send(target, prepared, timeoutMs);
        const bad = check(c.expected!, observed, prepared, target);
        if (bad !== undefined) {
          failure = bad;
          return;
        }
        const backend = (observed.echo?.pod ?? '').split('-').slice(0, -2).join('-');
        counts.set(backend, (counts.get(backend) ?? 0) + 1);
      } catch (err) {
        failure = `request failed: ${(err as Error).message}`;
      }
    }
  };
  await Promise.all(Array.from({ length: d.concurrency }, worker));
  if (failure !== undefined) return failure;
  const seen = [...counts.keys()];
  const outside = seen.filter((b) => d.expectedWeights[b] === undefined);
  if (outside.length > 0) return `unexpected backend(s) ${outside.join(', ')}`;
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  const shares = Object.fromEntries(seen.map((b) => [b, (counts.get(b) ?? 0) / total]));
  const positive = Object.entries(d.expectedWeights).filter(([, w]) => w > 0).length;
  if (seen.length !== positive) return `saw ${seen.length} backends, expected ${positive}: ${JSON.stringify(shares)}`;
  for (const [b, w] of Object.entries(d.expectedWeights)) {
    const share = shares[b] ?? 0;
    if (Math.abs(share - w) > d.tolerance) return `${b}: share ${share.toFixed(3)}, weight ${w} (tolerance ${d.tolerance})`;
  }
  return undefined;
}
