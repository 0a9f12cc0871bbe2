/**
 * Reading a resource's spec as plain data. Schema validation has run before semantic validation,
 * so types are mostly right, but every reader tolerates anything: a kind without a schema, or a
 * field the schema leaves open, must never make a validator throw.
 *
 * Presence follows protobuf: a message field is "set" when it is an object (Go's non-nil
 * pointer), a list is "set" when the key is there even if empty (a non-nil empty slice).
 */
export type Obj = Readonly<Record<string, unknown>>;

export function obj(value: unknown): Obj | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Obj) : undefined;
}

export function list(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

/** True when the key holds a list (even an empty one): Go's `x != nil` on a decoded slice. */
export function isList(value: unknown): value is readonly unknown[] {
  return Array.isArray(value);
}

export function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

export function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

export function bool(value: unknown): boolean {
  return value === true;
}

/** Map entries (labels, headers) with string values; other values are kept as they are. */
export function entries(value: unknown): [string, unknown][] {
  const o = obj(value);
  return o === undefined ? [] : Object.entries(o);
}

export function strings(value: unknown): string[] {
  return list(value).map(str);
}

/** An enum field with protobuf's default: the first value when absent. */
export function enumValue(value: unknown, fallback: string): string {
  return typeof value === 'string' && value !== '' ? value : fallback;
}
