/**
 * JSON as a JWS must be read: a member name given twice is refused, not "the last one wins"
 * (RFC 7515 4 lets a parser do either; refusing means the header that was signed is the header
 * that is read, whatever another JSON parser would have made of it), and nesting is bounded.
 */
import { AcmeProblem } from './problem.js';

/** Deeper than any ACME object (a newAccount with an EAB JWS inside is 3 deep). */
const MAX_DEPTH = 16;

/** `text` as JSON, refused as `malformed` (naming `what`) if it is not JSON or names a member twice. */
export function strictJson(text: string, what: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new AcmeProblem('malformed', `${what} is not JSON`);
  }
  const duplicate = firstDuplicate(text);
  if (duplicate !== undefined) throw new AcmeProblem('malformed', `${what} has the member ${JSON.stringify(duplicate)} twice`);
  return value;
}

/**
 * The first member name found twice in one object of `text` (JSON already known to be well formed),
 * or undefined. Names are compared decoded, so "a" and "\u0061" are the same name.
 */
function firstDuplicate(text: string): string | undefined {
  const scopes: (Set<string> | null)[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '{' || c === '[') {
      scopes.push(c === '{' ? new Set() : null);
      if (scopes.length > MAX_DEPTH) throw new AcmeProblem('malformed', `JSON nested deeper than ${MAX_DEPTH}`);
    } else if (c === '}' || c === ']') {
      scopes.pop();
    } else if (c === '"') {
      const end = stringEnd(text, i);
      const scope = scopes[scopes.length - 1];
      if (scope && text[afterSpace(text, end + 1)] === ':') {
        const name = JSON.parse(text.slice(i, end + 1)) as string;
        if (scope.has(name)) return name;
        scope.add(name);
      }
      i = end;
    }
  }
  return undefined;
}

/** The index of the first character at or after `i` that is not JSON whitespace (RFC 8259 2). */
function afterSpace(text: string, i: number): number {
  while (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r') i++;
  return i;
}

/** The index of the quote that closes the string opening at `start`. */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
  return i;
}
