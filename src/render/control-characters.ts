/**
 * Control characters shown, not obeyed: text from a model or the log may
 * hold escape sequences (`\e[2J` clears the screen) that a terminal would
 * act on. On a terminal they are written in caret notation (`^[`, `^G`, `^?`);
 * tab and newline stay as they are, and so does a carriage return that ends
 * a line (`\r\n`). Pipes and files get the bytes unchanged: the caller only
 * applies this to a terminal.
 */

// C0 controls but tab and newline, DEL, and the C1 controls (U+0080–U+009F, e.g. U+009B CSI).
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f\u0080-\u009f]/g;

/** One character in caret notation: `^[` for ESC, `^?` for DEL, `^[[` style (ESC + letter) for C1. */
function caret(character: string): string {
  const code = character.charCodeAt(0);
  if (code === 0x7f) return '^?';
  if (code >= 0x80) return '^[' + String.fromCharCode(code - 0x40);
  return '^' + String.fromCharCode(code + 0x40);
}

/** `text` with its control characters visible (a lone `\r` included; `\r\n` kept). */
export function showControlCharacters(text: string): string {
  return text.replace(/\r(?!\n)/g, '^M').replace(CONTROL, (character) => (character === '\r' ? character : caret(character)));
}

/**
 * The same for a stream of chunks: a `\r` at the end of a chunk waits for
 * the next one, to see whether a newline follows it.
 */
export class ControlCharacterStream {
  private held = '';

  push(text: string): string {
    const whole = this.held + text;
    this.held = whole.endsWith('\r') ? '\r' : '';
    return showControlCharacters(this.held ? whole.slice(0, -1) : whole);
  }

  end(): string {
    const rest = this.held ? '^M' : '';
    this.held = '';
    return rest;
  }
}
