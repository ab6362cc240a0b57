/**
 * Strict input objects for the agent surfaces (HTTP bodies, MCP tool arguments): one field
 * table gives the JSON Schema shown to clients, the validation, with serde-like messages
 * (`unknown field \`x\`, expected one of …`, `invalid type: …, expected …`), and the defaults.
 */
import { JobError } from '../core/errors';

export type FieldType = 'string' | 'string[]' | 'string-map' | 'number' | 'integer' | 'boolean';

export interface FieldSpec {
  type: FieldType;
  description: string;
  required?: boolean;
  minimum?: number;
  maximum?: number;
  /** Allowed values (strings). */
  enum?: readonly string[];
  minItems?: number;
  /** Filled in by parseInput when the field is absent (and shown in the schema). */
  default?: unknown;
}

export type InputSpec = Readonly<Record<string, FieldSpec>>;

type TypeOf<F extends FieldSpec> = F['type'] extends 'string'
  ? string
  : F['type'] extends 'string[]'
    ? string[]
    : F['type'] extends 'string-map'
      ? Record<string, string>
      : F['type'] extends 'boolean'
        ? boolean
        : number;

/** Fields always present after parseInput: the required ones and those with a default. */
type PresentKeys<S extends InputSpec> = { [K in keyof S]: S[K] extends { required: true } | { default: unknown } ? K : never }[keyof S];

/** The validated object: required and defaulted fields present, the others optional. */
export type InputOf<S extends InputSpec> = { [K in PresentKeys<S>]: TypeOf<S[K]> } & {
  [K in Exclude<keyof S, PresentKeys<S>>]?: TypeOf<S[K]>;
};

const invalid = (message: string) => new JobError('invalid_request', message);

/** serde's wording for what was found. */
function found(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'sequence';
  if (typeof v === 'string') return `string ${JSON.stringify(v)}`;
  if (typeof v === 'boolean') return `boolean \`${v}\``;
  if (typeof v === 'number') return Number.isInteger(v) ? `integer \`${v}\`` : `floating point \`${v}\``;
  return 'map';
}

const EXPECTED: Record<FieldType, string> = {
  string: 'a string',
  'string[]': 'a sequence of strings',
  'string-map': 'a map of strings',
  number: 'a number',
  integer: 'a non-negative integer',
  boolean: 'a boolean',
};

function typeMatches(type: FieldType, v: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof v === 'string';
    case 'string[]':
      return Array.isArray(v) && v.every((x) => typeof x === 'string');
    case 'string-map':
      return !!v && typeof v === 'object' && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string');
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'integer':
      return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
    case 'boolean':
      return typeof v === 'boolean';
  }
}

function checkField(name: string, f: FieldSpec, v: unknown): void {
  if (!typeMatches(f.type, v)) throw invalid(`field \`${name}\`: invalid type: ${found(v)}, expected ${EXPECTED[f.type]}`);
  if (typeof v === 'number') {
    if (f.minimum !== undefined && v < f.minimum)
      throw invalid(`field \`${name}\`: invalid value: ${found(v)}, expected at least ${f.minimum}`);
    if (f.maximum !== undefined && v > f.maximum)
      throw invalid(`field \`${name}\`: invalid value: ${found(v)}, expected at most ${f.maximum}`);
  }
  if (f.enum && !f.enum.includes(v as string)) {
    throw invalid(`field \`${name}\`: unknown variant ${JSON.stringify(v)}, expected one of ${f.enum.map((e) => `\`${e}\``).join(', ')}`);
  }
  if (f.minItems !== undefined && Array.isArray(v) && v.length < f.minItems) {
    throw invalid(`field \`${name}\`: invalid length ${v.length}, expected at least ${f.minItems} item(s)`);
  }
}

/**
 * Validates `value` against `spec`: an object, no unknown fields, required ones present, types
 * and bounds. Absent fields that have a default get it.
 */
export function parseInput<S extends InputSpec>(spec: S, value: unknown): InputOf<S> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw invalid(`invalid type: ${found(value)}, expected an object`);
  const names = Object.keys(spec);
  for (const [k, v] of Object.entries(value)) {
    if (!(k in spec)) throw invalid(`unknown field \`${k}\`, expected one of ${names.map((n) => `\`${n}\``).join(', ')}`);
    // JSON null = absent, as serde treats Option fields.
    if (v !== null) checkField(k, spec[k], v);
  }
  for (const [k, f] of Object.entries(spec)) {
    const v = (value as Record<string, unknown>)[k];
    if (f.required && (v === undefined || v === null)) throw invalid(`missing field \`${k}\``);
  }
  const defaults = Object.entries(spec).filter(([, f]) => f.default !== undefined);
  const given = Object.entries(value).filter(([, v]) => v !== null);
  return Object.fromEntries([...defaults.map(([k, f]) => [k, f.default]), ...given]) as InputOf<S>;
}

/** JSON Schema (draft-07 subset) of an input table, for MCP `inputSchema` and documentation. */
export function toJsonSchema(spec: InputSpec): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const [k, f] of Object.entries(spec)) {
    const base: Record<string, unknown> =
      f.type === 'string[]'
        ? { type: 'array', items: { type: 'string' } }
        : f.type === 'string-map'
          ? { type: 'object', additionalProperties: { type: 'string' } }
          : { type: f.type };
    properties[k] = {
      ...base,
      description: f.description,
      ...(f.enum ? { enum: [...f.enum] } : {}),
      ...(f.type === 'integer' ? { minimum: f.minimum ?? 0 } : f.minimum !== undefined ? { minimum: f.minimum } : {}),
      ...(f.maximum !== undefined ? { maximum: f.maximum } : {}),
      ...(f.minItems !== undefined ? { minItems: f.minItems } : {}),
      ...(f.default !== undefined ? { default: f.default } : {}),
    };
  }
  const required = Object.entries(spec)
    .filter(([, f]) => f.required)
    .map(([k]) => k);
  return { type: 'object', properties, ...(required.length > 0 ? { required } : {}), additionalProperties: false };
}
