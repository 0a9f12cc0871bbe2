/**
 * istiod's push tuning, read from the environment variables Istio users already set on istiod
 * (pilot/pkg/features): PILOT_DEBOUNCE_AFTER, PILOT_DEBOUNCE_MAX (Go durations),
 * PILOT_ENABLE_EDS_DEBOUNCE (bool) and PILOT_PUSH_THROTTLE (int). As in istiod, a value that does
 * not parse is reported and the default is used.
 */
import { parseGoDuration } from '../../api/validation/durations.js';
import { PILOT_DEBOUNCE_AFTER_MS, PILOT_DEBOUNCE_MAX_MS } from './debounce.js';
import { PILOT_PUSH_THROTTLE } from './push-queue.js';

export interface PilotTuning {
  readonly debounceAfterMs: number;
  readonly debounceMaxMs: number;
  /** false: endpoint-only changes are pushed at once, not debounced (PILOT_ENABLE_EDS_DEBOUNCE=false). */
  readonly edsDebounce: boolean;
  readonly pushThrottle: number;
}

export const DEFAULT_PILOT_TUNING: PilotTuning = {
  debounceAfterMs: PILOT_DEBOUNCE_AFTER_MS,
  debounceMaxMs: PILOT_DEBOUNCE_MAX_MS,
  edsDebounce: true,
  pushThrottle: PILOT_PUSH_THROTTLE,
};

export function pilotTuningFromEnv(env: NodeJS.ProcessEnv, warn: (line: string) => void): PilotTuning {
  const read = <T>(name: string, fallback: T, parse: (text: string) => T | string): T => {
    const text = env[name];
    if (text === undefined || text === '') return fallback;
    const value = parse(text);
    if (typeof value === 'string' && typeof fallback !== 'string') {
      warn(`${name}=${JSON.stringify(text)}: ${value}; using the default ${String(fallback)}`);
      return fallback;
    }
    return value as T;
  };
  const duration = (text: string): number | string => {
    const nanos = parseGoDuration(text);
    if (typeof nanos === 'string') return nanos;
    return nanos < 0n ? 'must not be negative' : Number(nanos / 1_000_000n);
  };
  return {
    debounceAfterMs: read('PILOT_DEBOUNCE_AFTER', DEFAULT_PILOT_TUNING.debounceAfterMs, duration),
    debounceMaxMs: read('PILOT_DEBOUNCE_MAX', DEFAULT_PILOT_TUNING.debounceMaxMs, duration),
    edsDebounce: read('PILOT_ENABLE_EDS_DEBOUNCE', DEFAULT_PILOT_TUNING.edsDebounce, goBool),
    pushThrottle: read('PILOT_PUSH_THROTTLE', DEFAULT_PILOT_TUNING.pushThrottle, (t) => (/^\d+$/.test(t) && Number(t) > 0 ? Number(t) : 'not a positive integer')),
  };
}

/** Go's strconv.ParseBool. */
function goBool(text: string): boolean | string {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false;
  return `strconv.ParseBool: parsing ${JSON.stringify(text)}: invalid syntax`;
}
