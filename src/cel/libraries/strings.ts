/**
 * cel-go strings extension, version 2 (what the kube-apiserver enables): the engine already has
 * indexOf, lastIndexOf, split, substring, trim and join; this file adds charAt, replace, format
 * and strings.quote, and gives lowerAscii/upperAscii their ASCII-only meaning (the engine's change
 * non-ASCII letters too; they are rerouted here from ../ast.ts).
 *
 * Strings are indexed by Unicode code points, as in CEL.
 */
import { EvaluationError } from '@marcbachmann/cel-js';
import { Duration, UnsignedInt } from '@marcbachmann/cel-js/evaluator';
import { charge } from '../budget.js';
import type { CelLibrary } from './library.js';

const SURROGATE = /[\uD800-\uDFFF]/;

function codePoints(s: string): string[] {
  return SURROGATE.test(s) ? Array.from(s) : s.split('');
}

function error(message: string, code = 'invalid_argument'): EvaluationError {
  return new EvaluationError({ code, message });
}

export function charAt(s: string, index: bigint): string {
  const chars = codePoints(s);
  if (index < 0n || index > BigInt(chars.length)) throw error(`index out of range: ${index}`, 'index_out_of_range');
  return chars[Number(index)] ?? '';
}

/** Go strings.Replace semantics: n < 0 replaces all; an empty `from` inserts between code points. */
export function replace(s: string, from: string, to: string, n = -1n): string {
  charge(1 + (s.length >> 6));
  if (n === 0n) return s;
  let remaining = n < 0n ? Infinity : Number(n);
  if (from === '') {
    const chars = codePoints(s);
    let out = '';
    for (let i = 0; i <= chars.length; i++) {
      if (remaining > 0) {
        out += to;
        remaining--;
      }
      out += chars[i] ?? '';
    }
    return out;
  }
  let out = '';
  let pos = 0;
  while (remaining > 0) {
    const at = s.indexOf(from, pos);
    if (at < 0) break;
    out += s.slice(pos, at) + to;
    pos = at + from.length;
    remaining--;
  }
  return out + s.slice(pos);
}

/** Code-point search of `sub` in `chars` from `from` forwards (or backwards). */
function search(chars: string[], sub: string[], from: number, backwards: boolean): bigint {
  const last = chars.length - sub.length;
  const matchesAt = (i: number): boolean => sub.every((c, j) => chars[i + j] === c);
  if (backwards) {
    for (let i = Math.min(from, last); i >= 0; i--) if (matchesAt(i)) return BigInt(i);
  } else {
    for (let i = from; i <= last; i++) if (matchesAt(i)) return BigInt(i);
  }
  return -1n;
}

/** strings ext indexOf, in code points; an offset outside the string is an error (cel-go). */
export function stringIndexOf(s: string, sub: string, offset?: bigint): bigint {
  charge(1 + (s.length >> 6));
  if (sub === '') return offset ?? 0n;
  // code points only when a surrogate pair is involved; otherwise UTF-16 indexes are the same
  const chars = SURROGATE.test(s) || SURROGATE.test(sub) ? codePoints(s) : undefined;
  const length = chars ? chars.length : s.length;
  if (offset !== undefined && (offset < 0n || offset >= BigInt(length))) throw error(`index out of range: ${offset}`, 'index_out_of_range');
  if (!chars) return BigInt(s.indexOf(sub, Number(offset ?? 0n)));
  return search(chars, codePoints(sub), Number(offset ?? 0n), false);
}

/** strings ext lastIndexOf, in code points. */
export function stringLastIndexOf(s: string, sub: string, offset?: bigint): bigint {
  charge(1 + (s.length >> 6));
  const wideS = SURROGATE.test(s);
  if (sub === '') return offset ?? BigInt(wideS ? codePoints(s).length : s.length);
  const chars = wideS || SURROGATE.test(sub) ? codePoints(s) : undefined;
  const length = chars ? chars.length : s.length;
  if (offset !== undefined && (offset < 0n || offset >= BigInt(length))) throw error(`index out of range: ${offset}`, 'index_out_of_range');
  const from = offset === undefined ? length : Number(offset);
  if (!chars) return BigInt(s.lastIndexOf(sub, from));
  return search(chars, codePoints(sub), from, true);
}

/** strings ext substring, in code points. */
export function substring(s: string, start: bigint, end?: bigint): string {
  const chars = SURROGATE.test(s) ? codePoints(s) : undefined;
  const size = BigInt(chars ? chars.length : s.length);
  if (start < 0n || start > size) throw error(`index out of range: ${start}`, 'index_out_of_range');
  if (end !== undefined) {
    if (end < 0n || end > size) throw error(`index out of range: ${end}`, 'index_out_of_range');
    if (start > end) throw error(`invalid substring range. start: ${start}, end: ${end}`, 'index_out_of_range');
  }
  if (!chars) return s.substring(Number(start), end === undefined ? undefined : Number(end));
  return chars.slice(Number(start), end === undefined ? undefined : Number(end)).join('');
}

/** Go's unicode.IsSpace set: JS whitespace without U+FEFF, plus U+0085. */
const GO_SPACE = '[\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
const TRIM = new RegExp(`^${GO_SPACE}+|${GO_SPACE}+$`, 'g');

/** strings ext trim: removes leading and trailing Unicode white space as cel-go defines it. */
export function trim(s: string): string {
  return s.replace(TRIM, '');
}

export function lowerAscii(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

export function upperAscii(s: string): string {
  return s.replace(/[a-z]+/g, (m) => m.toUpperCase());
}

const QUOTE_ESCAPES: Record<string, string> = {
  '\x07': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
  '\\': '\\\\',
  '"': '\\"',
};

export function quote(s: string): string {
  // lone surrogates are invalid UTF-8 in cel-go's view: they become U+FFFD
  const wellFormed = s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
  let out = '"';
  for (const c of wellFormed) out += QUOTE_ESCAPES[c] ?? c;
  return `${out}"`;
}

// ---- string.format(list) ---------------------------------------------------------------

function typeName(v: unknown): string {
  if (v === null) return 'null_type';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'number') return 'double';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return 'list';
  if (v instanceof UnsignedInt) return 'uint';
  if (v instanceof Uint8Array) return 'bytes';
  if (v instanceof Date) return 'google.protobuf.Timestamp';
  if (v instanceof Duration) return 'google.protobuf.Duration';
  return 'map';
}

function formatDouble(v: number, precision: number, style: 'f' | 'e'): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  if (style === 'f') return toFixedHalfEven(v, precision);
  const [mantissa, exponent = '0'] = v.toExponential(precision).split('e');
  const exp = Number(exponent);
  return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}

/** toFixed, but exact ties round to even as Go's strconv does (toFixed rounds them up). */
function toFixedHalfEven(v: number, precision: number): string {
  const scaled = v * 10 ** precision;
  const floor = Math.floor(scaled);
  if (precision <= 15 && scaled - floor === 0.5 && Number.isSafeInteger(floor) && floor / 10 ** precision + 0.5 / 10 ** precision === v) {
    const even = floor % 2 === 0 ? floor : floor + 1;
    return (even / 10 ** precision).toFixed(precision);
  }
  return v.toFixed(precision);
}

function durationText(d: Duration): string {
  const seconds = Number(d.seconds) + d.nanos / 1e9;
  return `${seconds}s`;
}

/** `%s` rendering (cel-go's string conversion of each kind). */
function asString(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null) return 'null';
  if (typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return 'NaN';
    if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
    return String(v);
  }
  if (v instanceof UnsignedInt) return String(v.valueOf());
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  if (v instanceof Date) return v.toISOString().replace('.000Z', 'Z');
  if (v instanceof Duration) return durationText(v);
  if (Array.isArray(v)) return `[${v.map((x) => asString(x)).join(', ')}]`;
  if (v instanceof Map) {
    const entries = [...v.entries()].map(([k, x]) => [asString(k), asString(x)] as const);
    entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return `{${entries.map(([k, x]) => `${k}: ${x}`).join(', ')}}`;
  }
  if (typeof v === 'object') {
    const text = (v as { toCelString?: () => string }).toCelString?.();
    if (text !== undefined) return text;
    const typeMatch = /^Type<(.+)>$/.exec(String(v));
    if (typeMatch) return typeMatch[1] === 'null' ? 'null_type' : (typeMatch[1] as string);
    const keys = Object.keys(v).sort();
    return `{${keys.map((k) => `${k}: ${asString((v as Record<string, unknown>)[k])}`).join(', ')}}`;
  }
  return String(v);
}

function integer(v: unknown, verb: string): bigint {
  if (typeof v === 'bigint') return v;
  if (v instanceof UnsignedInt) return v.valueOf();
  throw error(`error during formatting: ${verb} format requires an int or uint argument, got ${typeName(v)}`);
}

function radix(v: unknown, base: number, verb: string, upper = false): string {
  if (verb === 'x' || verb === 'X') {
    if (typeof v === 'string') v = Buffer.from(v, 'utf8');
    if (v instanceof Uint8Array) {
      const hex = Buffer.from(v).toString('hex');
      return upper ? hex.toUpperCase() : hex;
    }
  }
  if (typeof v === 'number' && (verb === 'x' || verb === 'X')) {
    throw error(`error during formatting: only integers, byte buffers, and strings can be formatted as hex, was given ${typeName(v)}`);
  }
  if (typeof v === 'boolean' && verb === 'b') return v ? '1' : '0';
  const n = integer(v, verb);
  const text = n < 0n ? `-${(-n).toString(base)}` : n.toString(base);
  return upper ? text.toUpperCase() : text;
}

function decimal(v: unknown): string {
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof UnsignedInt) return v.valueOf().toString();
  if (typeof v === 'number' && !Number.isFinite(v)) return asString(v);
  throw error(`error during formatting: decimal clause can only be used on integers, was given ${typeName(v)}`);
}

function fixed(v: unknown, precision: number, style: 'f' | 'e'): string {
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'bigint') n = Number(v);
  else if (v instanceof UnsignedInt) n = Number(v.valueOf());
  else if (typeof v === 'string' && ['NaN', 'Infinity', '-Infinity'].includes(v)) n = Number(v);
  else {
    const what = style === 'f' ? 'fixed-point' : 'scientific';
    throw error(`error during formatting: ${what} clause can only be used on doubles, was given ${typeName(v)}`);
  }
  return formatDouble(n, precision, style);
}

export function format(template: string, args: unknown[]): string {
  charge(1 + (template.length >> 6) + args.length);
  let out = '';
  let argIndex = 0;
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if (c !== '%') {
      out += c;
      continue;
    }
    i++;
    if (template[i] === '%') {
      out += '%';
      continue;
    }
    let precision: number | undefined;
    if (template[i] === '.') {
      let digits = '';
      i++;
      while (i < template.length && /[0-9]/.test(template[i] as string)) digits += template[i++];
      precision = Number(digits || '0');
    }
    const verb = template[i];
    if (verb === undefined) throw error('error during formatting: unexpected end of format string');
    if (argIndex >= args.length) throw error(`index ${argIndex} out of range`, 'index_out_of_range');
    const arg = args[argIndex++];
    switch (verb) {
      case 's':
        out += asString(arg);
        break;
      case 'd':
        out += decimal(arg);
        break;
      case 'f':
        out += fixed(arg, precision ?? 6, 'f');
        break;
      case 'e':
        out += fixed(arg, precision ?? 6, 'e');
        break;
      case 'b':
        out += radix(arg, 2, 'b');
        break;
      case 'o':
        out += radix(arg, 8, 'o');
        break;
      case 'x':
        out += radix(arg, 16, 'x');
        break;
      case 'X':
        out += radix(arg, 16, 'X', true);
        break;
      default:
        throw error(`error during formatting: could not parse formatting clause: unrecognized formatting clause "${verb}"`);
    }
  }
  return out;
}

export const stringsLibrary: CelLibrary = {
  name: 'strings',
  namespaces: [['strings', 'portcullis.StringsNamespace']],
  functions: [
    ['string.charAt(int): string', charAt],
    ['string.replace(string, string): string', (s: string, from: string, to: string) => replace(s, from, to)],
    ['string.replace(string, string, int): string', replace],
    ['string.format(list): string', format],
    ['portcullis.StringsNamespace.quote(string): string', (_ns: unknown, s: string) => quote(s)],
  ],
};
