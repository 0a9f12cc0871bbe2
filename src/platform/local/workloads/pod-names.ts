/**
 * Kubernetes' names for what a Deployment creates: `customers-v1-5d9f8b7c6d-x7k2p` is the
 * Deployment name, the pod template hash (FNV-1a of the template, encoded as the ReplicaSet
 * controller does with its vowel-free alphabet so names never spell words) and a random suffix.
 */
import { randomInt } from 'node:crypto';

/** k8s.io/apimachinery's rand.SafeEncodeString alphabet. */
const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

function safeEncode(text: string): string {
  let out = '';
  for (const ch of text) out += ALPHABET[ch.charCodeAt(0) % ALPHABET.length];
  return out;
}

/** The `pod-template-hash` label of a Deployment's current template. */
export function podTemplateHash(template: unknown): string {
  return safeEncode(String(fnv1a32(canonical(template))));
}

export function randomSuffix(length = 5, random: (max: number) => number = randomInt): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[random(ALPHABET.length)];
  return out;
}

/** JSON with sorted keys, so two equal templates hash the same whatever their key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
