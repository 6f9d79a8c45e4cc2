// The manual page as `man ca` shows it: man/ca.1 renders without a groff warning, and its COMMANDS
// section names every command `ca --help` lists, so a new command cannot leave it stale silently.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { caOk, needs, run, tempDir } from '../helpers/ca.js';

const MAN = fileURLToPath(new URL('../../man/ca.1', import.meta.url));
const PACKAGE = fileURLToPath(new URL('../../package.json', import.meta.url));

/** The page as plain text (no bold or underline), as a pager would show it. */
function rendered() {
  const r = run('groff', ['-man', '-Tascii', '-P-cbou', '-ww', MAN]);
  assert.equal(r.status, 0, r.stderr);
  return r;
}

test('man/ca.1 renders without warnings, and whatis reads its NAME line', { skip: needs('groff', 'groff-base') }, () => {
  // groff exits 0 on a warning (an undefined macro, a bad escape): the warnings are on stderr.
  const r = rendered();
  assert.equal(r.stderr, '', 'groff -ww warns');
  assert.match(r.stdout, /^NAME\n\s+ca - a certificate authority for clusters/m);
  // lexgrog is how mandb builds the whatis database (`man -k`, `whatis ca`) from the NAME line.
  if (!needs('lexgrog', 'man-db')) assert.match(run('lexgrog', [MAN]).stdout, /: "ca - a certificate authority/);
});

test('every command of `ca --help` is in the COMMANDS section of man/ca.1', { skip: needs('groff', 'groff-base') }, (t) => {
  const help = caOk(tempDir(t), ['--help']).out;
  const commands = [...help.split(/^Commands:$/m)[1].split(/^\S.*:$/m)[0].matchAll(/^ {2}ca ([a-z][a-z-]*)/gm)].map((m) => m[1]);
  assert.ok(commands.length >= 20, `ca --help lists its commands:\n${help}`);
  const section = rendered().stdout.split(/^COMMANDS$/m)[1].split(/^[A-Z][A-Z ]*$/m)[0];
  // Each entry starts at the section's indent (7 columns); its description is indented further.
  const documented = new Set([...section.matchAll(/^ {7}([a-z][a-z-]*)\b/gm)].map((m) => m[1]));
  const missing = commands.filter((c) => !documented.has(c));
  assert.deepEqual(missing, [], `man/ca.1 COMMANDS lacks ${missing.join(', ')}`);
});

test('the package installs the manual page', () => {
  // npm links each "man" file of a global install into PREFIX/share/man/man1, so `man ca` opens it.
  const pkg = JSON.parse(readFileSync(PACKAGE, 'utf8'));
  assert.deepEqual(pkg.man, ['man/ca.1']);
  assert.ok(pkg.files.includes('man/'), 'package.json "files" ships man/');
});
