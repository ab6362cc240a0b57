/**
 * ANSI SGR → styled text spans for the log view. Pure (no DOM): the renderer turns spans into
 * text nodes, so log bytes are never interpreted as HTML. Colours 0–15 map to the theme's
 * terminal colours (CSS classes); 256-colour and 24-bit colours become `rgb()` strings that the
 * renderer sets through CSSOM (allowed by the CSP, unlike inline style attributes).
 * Other escape sequences (cursor moves, OSC titles/hyperlinks, charset switches) are removed.
 */

export interface SgrState {
  /** 0–15: theme colour index; a string: an `rgb(…)` colour. */
  fg?: number | string;
  bg?: number | string;
  bold?: boolean;
  dim?: boolean;
  italic?: boolean;
  underline?: boolean;
  inverse?: boolean;
  strike?: boolean;
}

export interface Span {
  text: string;
  style: SgrState;
}

const ESC = '\x1b';

/** xterm's 256-colour palette entry 16–255 as `rgb()`. */
function xterm256(n: number): string {
  if (n >= 232) {
    const v = 8 + (n - 232) * 10;
    return `rgb(${v},${v},${v})`;
  }
  const i = n - 16;
  const level = (c: number) => (c === 0 ? 0 : 55 + c * 40);
  return `rgb(${level(Math.floor(i / 36))},${level(Math.floor(i / 6) % 6)},${level(i % 6)})`;
}

/** Reads an extended colour (`38;5;n` or `38;2;r;g;b`) starting at params[i] (the 5 or 2). */
function extendedColour(params: number[], i: number): { colour?: number | string; next: number } {
  const mode = params[i];
  if (mode === 5) {
    const n = params[i + 1];
    if (n === undefined || n > 255) return { next: i + 2 };
    return { colour: n < 16 ? n : xterm256(n), next: i + 2 };
  }
  if (mode === 2) {
    const [r, g, b] = [params[i + 1], params[i + 2], params[i + 3]];
    if ([r, g, b].some((c) => c === undefined || c > 255)) return { next: i + 4 };
    return { colour: `rgb(${r},${g},${b})`, next: i + 4 };
  }
  return { next: params.length };
}

/** Applies one SGR parameter list (`ESC [ p1;p2… m`) to a copy of `state`. */
export function applySgr(state: SgrState, params: number[]): SgrState {
  if (params.length === 0 || (params.length === 1 && params[0] === 0)) return {};
  let s: SgrState = { ...state };
  for (let i = 0; i < params.length; i++) {
    const p = params[i];
    if (p === 0) s = {};
    else if (p === 1) s.bold = true;
    else if (p === 2) s.dim = true;
    else if (p === 3) s.italic = true;
    else if (p === 4) s.underline = true;
    else if (p === 7) s.inverse = true;
    else if (p === 9) s.strike = true;
    else if (p === 22) {
      delete s.bold;
      delete s.dim;
    } else if (p === 23) delete s.italic;
    else if (p === 24) delete s.underline;
    else if (p === 27) delete s.inverse;
    else if (p === 29) delete s.strike;
    else if (p >= 30 && p <= 37) s.fg = p - 30;
    else if (p >= 90 && p <= 97) s.fg = p - 90 + 8;
    else if (p === 39) delete s.fg;
    else if (p >= 40 && p <= 47) s.bg = p - 40;
    else if (p >= 100 && p <= 107) s.bg = p - 100 + 8;
    else if (p === 49) delete s.bg;
    else if (p === 38 || p === 48) {
      const { colour, next } = extendedColour(params, i + 1);
      if (colour !== undefined) s[p === 38 ? 'fg' : 'bg'] = colour;
      i = next - 1;
    }
  }
  return s;
}

/** Length of the escape sequence starting at text[i] (text[i] is ESC), and its SGR params if it is one. */
function escapeAt(text: string, i: number): { length: number; sgr?: number[] } {
  const kind = text[i + 1];
  if (kind === '[') {
    // CSI: parameter bytes 0x30–0x3f, intermediates 0x20–0x2f, one final byte 0x40–0x7e.
    let j = i + 2;
    while (j < text.length && text.charCodeAt(j) >= 0x20 && text.charCodeAt(j) <= 0x3f) j++;
    while (j < text.length && text.charCodeAt(j) >= 0x20 && text.charCodeAt(j) <= 0x2f) j++;
    if (j >= text.length) return { length: text.length - i };
    const length = j + 1 - i;
    if (text[j] !== 'm') return { length };
    const body = text.slice(i + 2, j);
    if (!/^[0-9;:]*$/.test(body)) return { length };
    const sgr = body === '' ? [] : body.split(/[;:]/).map((p) => (p === '' ? 0 : Math.min(Number(p), 65535)));
    return { length, sgr };
  }
  if (kind === ']') {
    // OSC: up to BEL or ST (ESC \).
    for (let j = i + 2; j < text.length; j++) {
      if (text[j] === '\x07') return { length: j + 1 - i };
      if (text[j] === ESC && text[j + 1] === '\\') return { length: j + 2 - i };
    }
    return { length: text.length - i };
  }
  // Two- or three-byte escapes (charset selection `ESC ( B`, `ESC =`, …).
  if (kind === '(' || kind === ')' || kind === '#') return { length: Math.min(3, text.length - i) };
  return { length: Math.min(2, text.length - i) };
}

/**
 * Parses one log line (without its '\n') into spans, starting from `state` (SGR state carries
 * over lines). A carriage return inside the line keeps only what follows it, the way a
 * terminal shows progress bars. Control characters other than tab are dropped.
 */
export function parseAnsiLine(line: string, state: SgrState): { spans: Span[]; state: SgrState } {
  if (line.endsWith('\r')) line = line.slice(0, -1);
  let spans: Span[] = [];
  let text = '';
  let style = state;
  const flush = () => {
    if (text !== '') spans.push({ text, style });
    text = '';
  };
  for (let i = 0; i < line.length;) {
    const c = line.charCodeAt(i);
    if (c === 0x1b) {
      const { length, sgr } = escapeAt(line, i);
      if (sgr) {
        flush();
        style = applySgr(style, sgr);
      }
      i += length;
    } else if (c === 0x0d) {
      text = '';
      spans = [];
      i++;
    } else if (c < 0x20 && c !== 0x09) {
      i++;
    } else {
      // Copy the run of plain characters up to the next control character in one slice.
      let j = i + 1;
      while (j < line.length) {
        const d = line.charCodeAt(j);
        if (d < 0x20 && d !== 0x09) break;
        j++;
      }
      text += line.slice(i, j);
      i = j;
    }
  }
  flush();
  return { spans, state: style };
}

/**
 * The SGR state after `line`, without building spans: only the escape sequences are visited
 * (found with indexOf), so the many plain characters of a log cost nothing. Used to carry
 * colours across lines that are not rendered.
 */
export function endState(line: string, state: SgrState): SgrState {
  for (let i = line.indexOf('\x1b'); i >= 0; i = line.indexOf('\x1b', i + 1)) {
    const { length, sgr } = escapeAt(line, i);
    if (sgr) state = applySgr(state, sgr);
    i += length - 1;
  }
  return state;
}

/** Removes escape sequences and control characters: the text a search or a copy should see. */
export function stripAnsi(line: string): string {
  return parseAnsiLine(line, {})
    .spans.map((s) => s.text)
    .join('');
}
