/**
 * Text from certificates and the index on its way to a terminal. A subject, a SAN or a file name can
 * hold control characters (an escape sequence that recolours or rewrites the screen, a newline that
 * fakes a line of output): they are shown escaped, never passed through.
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

export function printable(text: string): string {
  return text.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** JSON for stdout: JSON.stringify escapes C0 controls but not DEL, C1 or bidirectional overrides. */
export function safeJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(/[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * An array written exactly as safeJson writes it, an element at a time, in pieces of about 64 KiB:
 * a listing may be too large to hold as one value.
 */
export async function writeJsonArray(items: AsyncIterable<unknown>, write: (text: string) => void | Promise<void>): Promise<void> {
  let chunk = '';
  let first = true;
  for await (const item of items) {
    chunk += `${first ? '[\n' : ',\n'}  ${safeJson(item).replace(/\n/g, '\n  ')}`;
    first = false;
    if (chunk.length >= 65536) {
      await write(chunk);
      chunk = '';
    }
  }
  await write(first ? '[]\n' : `${chunk}\n]\n`);
}
