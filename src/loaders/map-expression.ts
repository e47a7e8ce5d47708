/**
 * MutatingAdmissionPolicy expressions build values with CEL message construction,
 * `Object{spec: Object.spec{replicas: 3}}` and `JSONPatch{op: "add", path: "/x", value: 1}`, and
 * escape JSON Pointer keys with `jsonpatch.escapeKey(k)`. The CEL library portcullis uses parses
 * neither message construction nor that function, so each expression is rewritten before it is
 * compiled, into plain CEL with the same meaning for our purposes:
 *
 *   Type{f: v, ?g: w}           ->  {"f": dyn(v), "\uE002g": dyn(w)}   (a map; dyn() because field values differ in type)
 *   jsonpatch.escapeKey(k)      ->  ("\uE000" + (k) + "\uE001")
 *
 * The escapeKey rewrite brackets the key with two private-use characters instead of escaping it in
 * CEL (the strings library may not be there), and an optional field (`?g: w`, which the CEL library
 * cannot parse in a map) is marked by a private-use prefix on its key; resolveRewriteMarkers, run on
 * the evaluated result, turns every bracketed run in its strings into the JSON Pointer escape and
 * keeps a marked field only when its optional has a value (unwrapped).
 *
 * What is lost: the construction's type. Kubernetes uses it for two checks, which we do here
 * statically instead, where the text shows them: type names must be `JSONPatch`, `Object` or
 * `Object.<field>.<field>...`; a construction written directly as the value of field `f` of
 * `T{...}` (or as an item of a list literal there) must be of type `T.f`
 * (`Object.spec{selector: Object.spec.wrong{}}` is rejected, as the apiserver does); JSONPatch
 * takes only the fields op, path, from and value. A construction reached through a variable or a
 * conditional is not checked. The rewrite keeps a map from output to source offsets so that compile
 * errors point into the expression the user wrote.
 */

export class MapExpressionError extends Error {
  readonly code = 'MAP_EXPRESSION';
  constructor(
    message: string,
    /** 0-based offset in the source expression */
    readonly offset: number,
  ) {
    super(message);
    this.name = 'MapExpressionError';
  }
}

export interface RewrittenExpression {
  /** the CEL text to compile */
  text: string;
  /** true when the source used message construction or jsonpatch.escapeKey */
  rewritten: boolean;
  /** for each offset in `text`, the offset in the source it came from */
  sourceOffsets: number[];
}

/** prefix of an optional field's key until resolveRewriteMarkers decides whether it stays */
const OPTIONAL_FIELD = '\uE002';
const JSON_PATCH_FIELDS = new Set(['op', 'path', 'from', 'value']);
const KEYWORDS = new Set(['in', 'true', 'false', 'null']);

type Token =
  | { kind: 'ident'; text: string; start: number; end: number }
  | { kind: 'punct'; text: string; start: number; end: number }
  | { kind: 'other'; text: string; start: number; end: number };

/** Splits CEL source into identifiers, punctuation and opaque runs (strings, numbers, space, comments). */
function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = source.length;
  while (i < n) {
    const start = i;
    const c = source[i]!;
    if (/\s/.test(c)) {
      while (i < n && /\s/.test(source[i]!)) i++;
      tokens.push({ kind: 'other', text: source.slice(start, i), start, end: i });
      continue;
    }
    if (c === '/' && source[i + 1] === '/') {
      while (i < n && source[i] !== '\n') i++;
      tokens.push({ kind: 'other', text: source.slice(start, i), start, end: i });
      continue;
    }
    const stringEnd = scanString(source, i);
    if (stringEnd !== undefined) {
      i = stringEnd;
      tokens.push({ kind: 'other', text: source.slice(start, i), start, end: i });
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      while (i < n && /[A-Za-z0-9_]/.test(source[i]!)) i++;
      tokens.push({ kind: 'ident', text: source.slice(start, i), start, end: i });
      continue;
    }
    if (/[0-9]/.test(c)) {
      while (i < n && /[0-9A-Za-z_.]/.test(source[i]!)) {
        // a dot followed by a letter is a member access on the number, not a decimal point
        if (source[i] === '.' && !/[0-9]/.test(source[i + 1] ?? '')) break;
        i++;
      }
      tokens.push({ kind: 'other', text: source.slice(start, i), start, end: i });
      continue;
    }
    i++;
    tokens.push({ kind: 'punct', text: c, start, end: i });
  }
  return tokens;
}

/** End offset of a string or bytes literal starting at i (with r/b prefixes), else undefined. */
function scanString(source: string, i: number): number | undefined {
  let j = i;
  let raw = false;
  while (j < source.length && j - i < 2 && /[rRbB]/.test(source[j]!)) {
    if (/[rR]/.test(source[j]!)) raw = true;
    j++;
  }
  const quote = source[j];
  if (quote !== '"' && quote !== "'") return undefined;
  // a prefix must be glued to the quote, and an identifier such as `br` followed by a quote is not one
  if (j > i && i > 0 && /[A-Za-z0-9_]/.test(source[i - 1]!)) return undefined;
  const triple = source.startsWith(quote.repeat(3), j);
  const delimiter = triple ? quote.repeat(3) : quote;
  let k = j + delimiter.length;
  while (k < source.length) {
    if (!raw && source[k] === '\\') {
      k += 2;
      continue;
    }
    if (source.startsWith(delimiter, k)) return k + delimiter.length;
    if (!triple && source[k] === '\n') break;
    k++;
  }
  throw new MapExpressionError('unterminated string literal', i);
}

interface Frame {
  /** what opened this frame */
  open: '{' | '(' | '[';
  /** set for a rewritten message construction */
  typeName?: string;
  /** for a message: the field whose value is being written (undefined at a field-name position) */
  field?: string;
  /** a message field value is open */
  valueOpen?: boolean;
  /** the open value is wrapped in `dyn(` */
  dynOpen?: boolean;
  /** nothing significant has been written since the frame's current value started */
  fresh?: boolean;
  /** for a list literal written directly as a message field value: the type its items must have */
  itemType?: string;
  /** jsonpatch.escapeKey( ... ) */
  escapeKey?: boolean;
}

const isSpace = (token: Token | undefined): boolean =>
  token !== undefined && token.kind === 'other' && (/^\s/.test(token.text) || token.text.startsWith('//'));

export function rewriteMutationExpression(source: string): RewrittenExpression {
  const tokens = tokenize(source);
  const out: string[] = [];
  const offsets: number[] = [];
  let rewritten = false;
  const emit = (text: string, sourceOffset: number) => {
    out.push(text);
    for (let k = 0; k < text.length; k++) offsets.push(sourceOffset);
  };
  const emitToken = (token: Token) => {
    out.push(token.text);
    for (let k = 0; k < token.text.length; k++) offsets.push(token.start + k);
  };
  const stack: Frame[] = [];
  const top = (): Frame | undefined => stack[stack.length - 1];
  /** the leading dot of `.Type{` is not part of a map literal: drop it (and keep any space after it) */
  const removeLeadingDot = () => {
    const trailing: string[] = [];
    while (out.length > 0 && /^\s+$/.test(out[out.length - 1]!)) trailing.unshift(out.pop()!);
    out.pop();
    const spaces = trailing.join('').length;
    offsets.splice(offsets.length - spaces - 1, 1);
    out.push(...trailing);
  };
  const nextSignificant = (from: number): number => {
    let k = from;
    while (isSpace(tokens[k])) k++;
    return k;
  };
  /** index of the last significant token at or before `from`, or -1 */
  const previousSignificant = (from: number): number => {
    let k = from;
    while (k >= 0 && isSpace(tokens[k])) k--;
    return k;
  };
  /** the type a construction at this point must have, when the text shows it */
  const expectedType = (): string | undefined => {
    const frame = top();
    if (frame?.itemType !== undefined) return frame.itemType;
    if (frame?.typeName?.startsWith('Object') && frame.valueOpen) return `${frame.typeName}.${frame.field}`;
    return undefined;
  };

  let i = 0;
  while (i < tokens.length) {
    const token = tokens[i]!;
    if (isSpace(token)) {
      emitToken(token);
      i++;
      continue;
    }
    const frame = top();
    const fresh = frame?.fresh === true;
    if (frame) frame.fresh = false;

    // inside Type{...} where a field name is due: `name:` or `?name:` (or the closing brace)
    if (frame?.typeName !== undefined && !frame.valueOpen && !(token.kind === 'punct' && token.text === '}')) {
      let k = i;
      let optional = false;
      if (token.kind === 'punct' && token.text === '?') {
        optional = true;
        k = nextSignificant(i + 1);
      }
      const name = tokens[k];
      const colonAt = nextSignificant(k + 1);
      const colon = tokens[colonAt];
      if (name?.kind !== 'ident' || colon?.kind !== 'punct' || colon.text !== ':') {
        throw new MapExpressionError(`expected a field name in ${frame.typeName}{...}`, (name ?? token).start);
      }
      if (frame.typeName === 'JSONPatch' && !JSON_PATCH_FIELDS.has(name.text)) {
        throw new MapExpressionError(`JSONPatch has no field "${name.text}" (fields: op, path, from, value)`, name.start);
      }
      emit(`${JSON.stringify((optional ? OPTIONAL_FIELD : '') + name.text)}: dyn(`, name.start);
      frame.field = name.text;
      frame.valueOpen = true;
      frame.dynOpen = true;
      frame.fresh = true;
      i = colonAt + 1;
      continue;
    }

    if (token.kind === 'ident' && !KEYWORDS.has(token.text)) {
      const beforeAt = previousSignificant(i - 1);
      const before = tokens[beforeAt];
      const afterDot = before?.kind === 'punct' && before.text === '.';
      // `x.name` is a member selection; a qualified type name starts at an identifier not after a dot
      // (a leading dot, as in `.Object{}`, follows an operator or an opening bracket)
      const beforeDot = afterDot ? tokens[previousSignificant(beforeAt - 1)] : undefined;
      const leadingDot = afterDot && (beforeDot === undefined || (beforeDot.kind === 'punct' && !/[)\]}]/.test(beforeDot.text)));
      if (!afterDot || leadingDot) {
        const parts = [token.text];
        let k = i + 1;
        while (tokens[k]?.kind === 'punct' && tokens[k]!.text === '.' && tokens[k + 1]?.kind === 'ident') {
          parts.push(tokens[k + 1]!.text);
          k += 2;
        }
        const nextAt = nextSignificant(k);
        const next = tokens[nextAt];
        const name = parts.join('.');
        if (next?.kind === 'punct' && next.text === '{') {
          rewritten = true;
          checkTypeName(name, token.start);
          const expected = expectedType();
          if (expected !== undefined && name.startsWith('Object') && name !== expected) {
            throw new MapExpressionError(`type mismatch: ${name} is used where ${expected} is expected`, token.start);
          }
          if (leadingDot) removeLeadingDot();
          emit('{', token.start);
          stack.push({ open: '{', typeName: name });
          i = nextAt + 1;
          continue;
        }
        if (name === 'jsonpatch.escapeKey' && next?.kind === 'punct' && next.text === '(') {
          rewritten = true;
          emit('("\\uE000" + (', token.start);
          stack.push({ open: '(', escapeKey: true });
          i = nextAt + 1;
          continue;
        }
        for (let t = i; t < k; t++) emitToken(tokens[t]!);
        i = k;
        continue;
      }
    }

    if (token.kind === 'punct') {
      if (token.text === ',' && frame?.typeName !== undefined && frame.valueOpen) {
        if (fresh) throw new MapExpressionError(`field ${frame.field} of ${frame.typeName}{...} has no value`, token.start);
        emit(frame.dynOpen ? '),' : ',', token.start);
        frame.field = undefined;
        frame.valueOpen = false;
        frame.dynOpen = false;
        i++;
        continue;
      }
      if (token.text === '{' || token.text === '(' || token.text === '[') {
        const child: Frame = { open: token.text };
        if (token.text === '[' && fresh && frame?.typeName?.startsWith('Object') && frame.valueOpen) {
          child.itemType = `${frame.typeName}.${frame.field}`;
        }
        stack.push(child);
        emitToken(token);
        i++;
        continue;
      }
      if (token.text === '}' || token.text === ')' || token.text === ']') {
        if (fresh && frame?.typeName !== undefined && frame.valueOpen) {
          throw new MapExpressionError(`field ${frame.field} of ${frame.typeName}{...} has no value`, token.start);
        }
        const closing = stack.pop();
        const expected = closing?.open === '{' ? '}' : closing?.open === '(' ? ')' : closing?.open === '[' ? ']' : undefined;
        if (expected !== token.text) throw new MapExpressionError(`unbalanced ${token.text}`, token.start);
        if (closing?.typeName !== undefined) emit(closing.dynOpen ? ')}' : '}', token.start);
        else if (closing?.escapeKey) emit(') + "\\uE001")', token.start);
        else emitToken(token);
        i++;
        continue;
      }
    }
    emitToken(token);
    i++;
  }
  const unclosed = top();
  if (unclosed) throw new MapExpressionError(`unclosed ${unclosed.typeName ? `${unclosed.typeName}{` : unclosed.open}`, source.length);
  return { text: out.join(''), rewritten, sourceOffsets: offsets };
}

function checkTypeName(name: string, offset: number): void {
  if (name === 'JSONPatch' || name === 'Object' || /^Object(\.[A-Za-z_][A-Za-z0-9_]*)+$/.test(name)) return;
  throw new MapExpressionError(
    `unknown type ${name}: mutations construct JSONPatch, Object or Object.<field>... values`,
    offset,
  );
}

const ESCAPED_KEY = /\uE000([^\uE000\uE001]*)\uE001/g;

/**
 * Finishes what the rewrite started, on the evaluated result: escapes the runs jsonpatch.escapeKey
 * bracketed, in every string, and resolves optional fields (kept, unwrapped, when the optional has
 * a value; CEL's empty optional arrives as null and drops the field).
 */
export function resolveRewriteMarkers(value: unknown): unknown {
  if (typeof value === 'string') {
    return value.includes('\uE000') ? value.replace(ESCAPED_KEY, (_, key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1')) : value;
  }
  if (Array.isArray(value)) return value.map(resolveRewriteMarkers);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [rawKey, v] of Object.entries(value)) {
      let key = rawKey;
      if (key.startsWith(OPTIONAL_FIELD)) {
        if (v === null || v === undefined) continue;
        key = key.slice(OPTIONAL_FIELD.length);
      }
      // "__proto__" from JSON is data: define it rather than set the prototype
      Object.defineProperty(out, key, { value: resolveRewriteMarkers(v), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return value;
}
