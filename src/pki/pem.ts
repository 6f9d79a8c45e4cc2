/**
 * Reading PEM blocks (RFC 7468) in one pass. A regular expression such as
 * /-----BEGIN X-----[\s\S]*?-----END X-----/g is quadratic on text full of BEGIN lines and no END:
 * each BEGIN starts a scan to the end of the text (800 KB of such lines from a spoofed server took
 * seconds). Here every character is looked at a bounded number of times: blocks do not nest, so a
 * block is the last BEGIN line before the next END line, and both must carry the same label.
 */

const BEGIN = '-----BEGIN ';
const END = '-----END ';
const DASHES = '-----';
/** RFC 7468 section 3: labels are short ("CERTIFICATE REQUEST", "ENCRYPTED PRIVATE KEY"). */
const MAX_LABEL = 64;
const LABEL = /^[A-Z0-9 ]+$/;

export interface PemBlock {
  label: string;
  /** the base64 between the lines, whitespace and all */
  body: string;
  /** the block from its BEGIN line to the end of its END line, with a final newline */
  text: string;
}

/** The label after `start` (just past "-----BEGIN " or "-----END "), and where its "-----" ends. */
function labelAt(text: string, start: number): { label: string; after: number } | undefined {
  const window = text.slice(start, start + MAX_LABEL + DASHES.length);
  const close = window.indexOf(DASHES);
  const label = close > 0 ? window.slice(0, close) : '';
  return LABEL.test(label) ? { label, after: start + close + DASHES.length } : undefined;
}

/** Every well-formed PEM block of `text`, in order; anything else (text around, broken blocks) is skipped. */
export function pemBlocks(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  let nextBegin = text.indexOf(BEGIN);
  let pos = 0;
  while (nextBegin >= 0) {
    const end = text.indexOf(END, pos);
    if (end < 0) break;
    // The last BEGIN before this END; the search for BEGINs only ever moves forward.
    let begin = -1;
    while (nextBegin >= 0 && nextBegin < end) {
      begin = nextBegin;
      nextBegin = text.indexOf(BEGIN, nextBegin + BEGIN.length);
    }
    const head = begin >= 0 ? labelAt(text, begin + BEGIN.length) : undefined;
    const tail = labelAt(text, end + END.length);
    pos = tail ? tail.after : end + END.length;
    if (head && tail && head.label === tail.label && head.after <= end) {
      blocks.push({ label: head.label, body: text.slice(head.after, end), text: `${text.slice(begin, tail.after)}\n` });
    }
  }
  return blocks;
}

/** The DER of a block: its base64 with the line breaks taken out. */
export function blockDer(block: PemBlock): Buffer {
  return Buffer.from(block.body.replace(/\s+/g, ''), 'base64');
}
