/**
 * File-name expansion (globbing), as bash's default mode: `*`, `?` and
 * `[…]` match names in each folder of a path, sorted by byte value; names
 * starting with `.` only when the pattern's own part starts with `.`; a
 * pattern that matches nothing is left to the caller (it stays as written).
 * Patterns arrive with `\` before every character that was quoted, so only
 * the unquoted pattern characters are active.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** True when the pattern has an active (unescaped) `*`, `?` or `[`. */
export function hasPattern(pattern: string): boolean {
  for (let index = 0; index < pattern.length; index++) {
    const c = pattern.charAt(index);
    if (c === '\\') index++;
    else if (c === '*' || c === '?' || c === '[') return true;
  }
  return false;
}

/** The names matching `pattern` (relative to `cwd` unless absolute), sorted; empty when none. */
export function expandGlob(pattern: string, cwd: string): string[] {
  const absolute = pattern.startsWith('/');
  const segments = pattern.split('/').filter((segment, index) => segment !== '' || index === 0);
  let found: string[] = [absolute ? '/' : ''];
  for (const [index, segment] of segments.entries()) {
    if (index === 0 && absolute) continue;
    const last = index === segments.length - 1;
    const next: string[] = [];
    for (const base of found) {
      if (!hasPattern(segment)) {
        const path = base + unescape(segment);
        if (last ? exists(join(cwd, path)) : isFolder(join(cwd, path))) next.push(last ? path : path + '/');
        continue;
      }
      const matcher = toRegExp(segment);
      const showDots = unescape(segment).startsWith('.');
      for (const name of listFolder(join(cwd, base || '.'))) {
        if (name.startsWith('.') && !showDots) continue;
        if (!matcher.test(name)) continue;
        const path = base + name;
        if (last) next.push(path);
        else if (isFolder(join(cwd, path))) next.push(path + '/');
      }
    }
    found = next;
    if (found.length === 0) return [];
  }
  // A pattern that ends in `/` keeps it; others lose the `/` added for folders on the way.
  const trailing = pattern.endsWith('/');
  return found.map((path) => (trailing || !path.endsWith('/') ? path : path.slice(0, -1))).sort(byteOrder);
}

function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

function listFolder(folder: string): string[] {
  try {
    return readdirSync(folder);
  } catch {
    return [];
  }
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Removes the quoting backslashes of a pattern. */
export function unescape(pattern: string): string {
  return pattern.replace(/\\(.)/gs, '$1');
}

/** One path segment of a pattern as a regular expression over a whole name. */
function toRegExp(segment: string): RegExp {
  let source = '';
  for (let index = 0; index < segment.length; index++) {
    const c = segment.charAt(index);
    if (c === '\\') {
      source += escapeRegExp(segment.charAt(++index));
    } else if (c === '*') {
      source += '.*';
    } else if (c === '?') {
      source += '.';
    } else if (c === '[') {
      const bracket = readBracket(segment, index);
      if (bracket) {
        source += bracket.source;
        index = bracket.end;
      } else {
        source += '\\[';
      }
    } else {
      source += escapeRegExp(c);
    }
  }
  return new RegExp(`^${source}$`, 's');
}

/** `[abc]`, `[a-z]`, `[!x]` / `[^x]`; undefined when there is no closing `]`. */
function readBracket(segment: string, open: number): { source: string; end: number } | undefined {
  let index = open + 1;
  let negate = false;
  if (segment.charAt(index) === '!' || segment.charAt(index) === '^') {
    negate = true;
    index++;
  }
  let body = '';
  let first = true;
  for (; index < segment.length; index++) {
    let c = segment.charAt(index);
    if (c === ']' && !first) return { source: `[${negate ? '^' : ''}${body}]`, end: index };
    first = false;
    if (c === '\\') c = segment.charAt(++index);
    else if (c === '-' && body !== '' && segment.charAt(index + 1) !== ']') {
      body += '-';
      continue;
    }
    body += c === '\\' || c === ']' || c === '[' || c === '^' || c === '-' ? '\\' + c : c;
  }
  return undefined;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
