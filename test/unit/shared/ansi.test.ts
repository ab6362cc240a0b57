import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applySgr, endState, parseAnsiLine, stripAnsi } from '../../../src/shared/ansi';

const parse = (line: string) => parseAnsiLine(line, {}).spans;

test('plain text is one unstyled span', () => {
  assert.deepEqual(parse('hello\tworld'), [{ text: 'hello\tworld', style: {} }]);
});

test('basic and bright colours, bold, reset', () => {
  assert.deepEqual(parse('a\x1b[31mred\x1b[1;92mgreen\x1b[0mplain'), [
    { text: 'a', style: {} },
    { text: 'red', style: { fg: 1 } },
    { text: 'green', style: { fg: 10, bold: true } },
    { text: 'plain', style: {} },
  ]);
  assert.deepEqual(parse('\x1b[44mx\x1b[49my\x1b[mz'), [
    { text: 'x', style: { bg: 4 } },
    { text: 'y', style: {} },
    { text: 'z', style: {} },
  ]);
});

test('256-colour and 24-bit colours become rgb() strings (0-15 stay theme colours)', () => {
  assert.deepEqual(parse('\x1b[38;5;196mA\x1b[38;5;3mB\x1b[48;2;10;20;30mC\x1b[38;5;244mD'), [
    { text: 'A', style: { fg: 'rgb(255,0,0)' } },
    { text: 'B', style: { fg: 3 } },
    { text: 'C', style: { fg: 3, bg: 'rgb(10,20,30)' } },
    { text: 'D', style: { fg: 'rgb(128,128,128)', bg: 'rgb(10,20,30)' } },
  ]);
  // Colon form (ITU T.416) is accepted too; out-of-range values are ignored.
  assert.deepEqual(parse('\x1b[38:5:21mA\x1b[38;2;300;0;0mB'), [
    { text: 'A', style: { fg: 'rgb(0,0,255)' } },
    { text: 'B', style: { fg: 'rgb(0,0,255)' } },
  ]);
});

test('attributes switch on and off individually', () => {
  const s = applySgr({}, [1, 2, 3, 4, 7, 9]);
  assert.deepEqual(s, { bold: true, dim: true, italic: true, underline: true, inverse: true, strike: true });
  assert.deepEqual(applySgr(s, [22, 23, 24, 27, 29]), {});
});

test('SGR state carries over to the next line', () => {
  const first = parseAnsiLine('\x1b[33mwarn', {});
  const second = parseAnsiLine('still yellow\x1b[0m', first.state);
  assert.deepEqual(second.spans, [{ text: 'still yellow', style: { fg: 3 } }]);
  assert.deepEqual(second.state, {});
});

test('non-SGR escapes, OSC hyperlinks/titles and control characters are removed, never shown', () => {
  assert.equal(stripAnsi('\x1b[2K\x1b[1Gline\x1b[?25l'), 'line');
  assert.equal(stripAnsi('\x1b]8;;https://example.com\x1b\\link\x1b]8;;\x1b\\ \x1b]0;title\x07done'), 'link done');
  assert.equal(stripAnsi('bell\x07 back\bspace\x00'), 'bell backspace');
  assert.equal(stripAnsi('\x1b(Bcharset'), 'charset');
  // An escape cut off at the end of the line is dropped, not printed.
  assert.equal(stripAnsi('cut\x1b['), 'cut');
  assert.equal(stripAnsi('cut\x1b'), 'cut');
});

test('a carriage return keeps what follows it (progress bars); a trailing \\r (CRLF) is ignored', () => {
  assert.equal(stripAnsi(' 10%\r 50%\r100%'), '100%');
  assert.equal(stripAnsi('windows line\r'), 'windows line');
  assert.deepEqual(parse('\x1b[32m 10%\r 99%'), [{ text: ' 99%', style: { fg: 2 } }]);
});

test('markup in log text stays text (spans carry strings, the renderer never parses HTML)', () => {
  assert.deepEqual(parse('<img src=x onerror=alert(1)>'), [{ text: '<img src=x onerror=alert(1)>', style: {} }]);
});

test('a 1 MB line with 200 000 escapes parses (a guard against quadratic behaviour, not a benchmark)', () => {
  const line = '\x1b[31mx\x1b[0m'.repeat(100_000);
  const t0 = performance.now();
  const { spans } = parseAnsiLine(line, {});
  assert.equal(spans.length, 100_000);
  assert.ok(performance.now() - t0 < 10_000);
});

test('endState agrees with the full parse (it only skips building spans)', () => {
  const lines = ['plain', '\x1b[31mred', 'x\x1b[1;4my\x1b[24mz', '\x1b]0;t\x07\x1b[38;5;99mq', 'cut\x1b[', '\x1b[0m', '\x1b[7m\r\x1b[9m'];
  let a = {};
  let b = {};
  for (const line of lines) {
    a = parseAnsiLine(line, a).state;
    b = endState(line, b);
    assert.deepEqual(b, a, JSON.stringify(line));
  }
});
