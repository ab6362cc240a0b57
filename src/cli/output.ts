/** Prints one envelope: compact JSON + newline, or YAML with `--yaml` (contract §4.0). */
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

const key = (k: string) => (needsQuotes(k) ? JSON.stringify(k) : k);

function scalar(v: unknown): string {
  if (v === null || v === undefined) return '~';
  if (typeof v === 'boolean' || typeof v === 'number') return String(v);
  const s = String(v);
  return needsQuotes(s) ? JSON.stringify(s) : s;
}

/** Strings YAML would read as something else (numbers, booleans, null, timestamps) or that hold special characters. */
function needsQuotes(s: string): boolean {
  if (s === '') return true;
  if (/^(true|false|yes|no|on|off|null|~|y|n)$/i.test(s)) return true;
  if (/^[-+]?(\d[\d_]*(\.\d*)?([eE][-+]?\d+)?|\.\d+|\.inf|\.nan|0x[0-9a-fA-F]+|0o[0-7]+)$/i.test(s)) return true;
  if (/^\d{4}-\d{2}-\d{2}/.test(s)) return true;
  if (/[\n\r\t"\\\0-\x1f\x7f]/.test(s) || /^[\s\-?:,\[\]{}#&*!|>'%@`]/.test(s) || /\s$/.test(s)) return true;
  return /: |\s#/.test(s);
}
