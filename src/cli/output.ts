/** Prints one envelope: compact JSON + newline, or YAML with `--yaml` (agent-exec-compat.md §4.0). */
export function formatEnvelope(value: object, yaml: boolean): string {
  return yaml ? toYaml(value) : `${JSON.stringify(value)}\n`;
}

/** serde_yaml's block style: `---` header, plain scalars where unambiguous, quoted otherwise. */
export function toYaml(value: unknown): string {
  return `---\n${emit(value, 0)}`;
}

function emit(value: unknown, indent: number): string {
  const pad = ' '.repeat(indent);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]\n';
    return value
      .map((v) => {
        if (isBlock(v)) return `${pad}- ${emit(v, indent + 2).trimStart()}`;
        return `${pad}- ${scalar(v)}\n`;
      })
      .join('');
  }
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) return '{}\n';
    return entries
      .map(([k, v]) => {
        if (isBlock(v)) return `${pad}${key(k)}:\n${emit(v, Array.isArray(v) ? indent + 2 : indent + 2)}`;
        return `${pad}${key(k)}: ${Array.isArray(v) || (v && typeof v === 'object') ? emit(v, 0).trim() : scalar(v)}\n`;
      })
      .join('');
  }
  return `${scalar(value)}\n`;
}

const isBlock = (v: unknown): boolean =>
  (Array.isArray(v) && v.length > 0) || (!!v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length > 0);

const key = (k: string) => (needsQuotes(k) ? quote(k) : k);

function scalar(v: unknown): string {
  if (v === null || v === undefined) return '~';
  if (typeof v === 'boolean' || typeof v === 'number') return String(v);
  const s = String(v);
  return needsQuotes(s) ? quote(s) : s;
}

/** yaml-rust's double-quoted style: JSON escapes, plus DEL as \u007f. */
const quote = (s: string) => JSON.stringify(s).replace(/\x7f/g, '\\u007f');

const RESERVED = new Set([
  'yes',
  'Yes',
  'YES',
  'no',
  'No',
  'NO',
  'True',
  'TRUE',
  'true',
  'False',
  'FALSE',
  'false',
  'on',
  'On',
  'ON',
  'off',
  'Off',
  'OFF',
  'null',
  'Null',
  'NULL',
  '~',
]);

/**
 * serde_yaml 0.8 prints through yaml-rust, whose `need_quotes` decides: strings YAML would read
 * as something else (booleans, null, Rust-parsable i64/f64, `0x…`, leading `.`), strings with
 * indicator or control characters, and strings with leading/trailing spaces.
 */
function needsQuotes(s: string): boolean {
  if (s === '' || s.startsWith(' ') || s.endsWith(' ')) return true;
  if (/^[&*?|\-<>=!%@]/.test(s)) return true;
  // eslint-disable-next-line no-control-regex -- control characters are exactly what must be quoted
  if (/[:{}[\],#`"'\\\x00-\x06\t\n\r\x0e-\x1a\x1c-\x1f]/.test(s)) return true;
  if (RESERVED.has(s) || s.startsWith('.') || s.startsWith('0x')) return true;
  // Rust's str::parse::<i64>() / ::<f64>() (which also takes inf, infinity and nan in any case).
  return /^[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?|inf|infinity|nan)$/i.test(s);
}
