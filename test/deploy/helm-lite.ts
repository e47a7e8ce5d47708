/**
 * helm-lite: renders charts/portcullis the way `helm template` does, for the subset of Go
 * templates and Helm/sprig functions the chart uses. No helm binary can be installed on these
 * machines, so the tests render the chart with this instead (and the e2e workflow, where helm
 * exists, checks that real Helm renders the same objects as the committed fixture).
 *
 * Supported: text/template actions with trim markers and comments; if / else if / else, range
 * (lists and maps, with `$i, $v :=`), with / else, define / include / template, variables
 * (`:=` and `=` with Go's block scoping), pipelines, parenthesised pipelines, field chains on
 * `.`, `$` and variables. Functions: the ones listed in FUNCTIONS below, with sprig's argument
 * order. genCA / genSignedCert return fixed placeholder PEMs (the real ones are random) and
 * lookup returns an empty map, as `helm template` does without a cluster.
 * Anything else is an error naming the template and the action, never a silent guess.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';

export class TemplateError extends Error {
  readonly code = 'TEMPLATE';
  readonly template: string;
  constructor(template: string, message: string) {
    super(`${template}: ${message}`);
    this.name = 'TemplateError';
    this.template = template;
  }
}

export const PLACEHOLDER_CA_PEM = '-----BEGIN CERTIFICATE-----\nY2EgZ2VuZXJhdGVkIGF0IGluc3RhbGw=\n-----END CERTIFICATE-----\n';
export const PLACEHOLDER_CERT_PEM = '-----BEGIN CERTIFICATE-----\nc2VydmluZyBjZXJ0IGdlbmVyYXRlZA==\n-----END CERTIFICATE-----\n';
export const PLACEHOLDER_KEY_PEM = '-----BEGIN EC PRIVATE KEY-----\na2V5IGdlbmVyYXRlZCBhdCBpbnN0YWxs\n-----END EC PRIVATE KEY-----\n';

// ---------------------------------------------------------------------------------------------
// Lexing: text and actions

type Piece = { kind: 'text'; text: string } | { kind: 'action'; source: string; line: number };

function splitPieces(src: string, template: string): Piece[] {
  const pieces: Piece[] = [];
  let i = 0;
  let trimNextText = false;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    let text = open < 0 ? src.slice(i) : src.slice(i, open);
    if (trimNextText) text = text.replace(/^\s+/, '');
    trimNextText = false;
    if (open < 0) {
      if (text) pieces.push({ kind: 'text', text });
      break;
    }
    let start = open + 2;
    if (src[start] === '-' && /\s/.test(src[start + 1] ?? '')) {
      text = text.replace(/\s+$/, '');
      start += 1;
    }
    if (text) pieces.push({ kind: 'text', text });
    const close = findActionEnd(src, start, template);
    let end = close;
    if (src[close - 1] === '-' && /\s/.test(src[close - 2] ?? '')) {
      end = close - 1;
      trimNextText = true;
    }
    const source = src.slice(start, end).trim();
    const line = src.slice(0, open).split('\n').length;
    if (!(source.startsWith('/*') && source.endsWith('*/'))) pieces.push({ kind: 'action', source, line });
    i = close + 2;
  }
  return pieces;
}

function findActionEnd(src: string, from: number, template: string): number {
  let i = from;
  while (i < src.length) {
    const c = src[i];
    if (c === '"') {
      i++;
      while (i < src.length && src[i] !== '"') i += src[i] === '\\' ? 2 : 1;
    } else if (c === '`') {
      i = src.indexOf('`', i + 1);
      if (i < 0) break;
    } else if (c === '/' && src[i + 1] === '*') {
      i = src.indexOf('*/', i + 2) + 1;
      if (i <= 0) break;
    } else if (c === '}' && src[i + 1] === '}') {
      return i;
    }
    i++;
  }
  throw new TemplateError(template, `unclosed action starting at offset ${from}`);
}

// ---------------------------------------------------------------------------------------------
// Parsing actions into pipelines

type Token =
  | { t: 'field'; path: string[] } // .a.b (path [] is `.`)
  | { t: 'var'; name: string; path: string[] } // $x.a.b ($ is name '')
  | { t: 'ident'; name: string }
  | { t: 'string'; value: string }
  | { t: 'number'; value: number }
  | { t: 'punct'; value: '(' | ')' | '|' | ':=' | '=' | ',' };

function lex(source: string, where: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const fieldPath = () => {
    const path: string[] = [];
    while (source[i] === '.' && /[A-Za-z_]/.test(source[i + 1] ?? '')) {
      const m = /^\.([A-Za-z_][A-Za-z0-9_]*)/.exec(source.slice(i))!;
      path.push(m[1]!);
      i += m[0].length;
    }
    return path;
  };
  while (i < source.length) {
    const c = source[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '"') {
      const m = /^"(?:[^"\\]|\\.)*"/.exec(source.slice(i));
      if (!m) throw new TemplateError(where, `unterminated string in {{ ${source} }}`);
      tokens.push({ t: 'string', value: JSON.parse(m[0]) as string });
      i += m[0].length;
    } else if (c === '`') {
      const end = source.indexOf('`', i + 1);
      tokens.push({ t: 'string', value: source.slice(i + 1, end) });
      i = end + 1;
    } else if (c === '.') {
      if (/[A-Za-z_]/.test(source[i + 1] ?? '')) tokens.push({ t: 'field', path: fieldPath() });
      else {
        tokens.push({ t: 'field', path: [] });
        i++;
      }
    } else if (c === '$') {
      const m = /^\$([A-Za-z_][A-Za-z0-9_]*)?/.exec(source.slice(i))!;
      i += m[0].length;
      tokens.push({ t: 'var', name: m[1] ?? '', path: fieldPath() });
    } else if (c === ':' && source[i + 1] === '=') {
      tokens.push({ t: 'punct', value: ':=' });
      i += 2;
    } else if ('()|=,'.includes(c)) {
      tokens.push({ t: 'punct', value: c as '(' | ')' | '|' | '=' | ',' });
      i++;
      if (c === ')' && source[i] === '.') throw new TemplateError(where, `field access on a parenthesised value is not supported: {{ ${source} }}`);
    } else if (/[-0-9]/.test(c)) {
      const m = /^-?[0-9]+(\.[0-9]+)?/.exec(source.slice(i));
      if (!m) throw new TemplateError(where, `unexpected '${c}' in {{ ${source} }}`);
      tokens.push({ t: 'number', value: Number(m[0]) });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(source.slice(i))!;
      tokens.push({ t: 'ident', name: m[0] });
      i += m[0].length;
    } else {
      throw new TemplateError(where, `unexpected '${c}' in {{ ${source} }}`);
    }
  }
  return tokens;
}

type Operand =
  | { o: 'field'; path: string[] }
  | { o: 'var'; name: string; path: string[] }
  | { o: 'literal'; value: unknown }
  | { o: 'func'; name: string }
  | { o: 'pipe'; pipe: Pipeline };
type Command = Operand[];
interface Pipeline {
  decl?: { names: string[]; assign: boolean };
  commands: Command[];
}

function parsePipeline(tokens: Token[], where: string, source: string): Pipeline {
  let pos = 0;
  const fail = (why: string): never => {
    throw new TemplateError(where, `${why} in {{ ${source} }}`);
  };
  const pipeline = (): Pipeline => {
    const result: Pipeline = { commands: [] };
    // declaration: $a := / $a, $b := / $a =
    const save = pos;
    const names: string[] = [];
    while (tokens[pos]?.t === 'var' && (tokens[pos] as { path: string[] }).path.length === 0) {
      names.push((tokens[pos] as { name: string }).name);
      pos++;
      const next = tokens[pos];
      if (next?.t === 'punct' && next.value === ',') pos++;
      else break;
    }
    const op = tokens[pos];
    if (names.length > 0 && op?.t === 'punct' && (op.value === ':=' || op.value === '=')) {
      result.decl = { names, assign: op.value === '=' };
      pos++;
    } else {
      pos = save;
    }
    for (;;) {
      const command: Command = [];
      for (;;) {
        const tok = tokens[pos];
        if (!tok || (tok.t === 'punct' && (tok.value === '|' || tok.value === ')'))) break;
        pos++;
        if (tok.t === 'field') command.push({ o: 'field', path: tok.path });
        else if (tok.t === 'var') command.push({ o: 'var', name: tok.name, path: tok.path });
        else if (tok.t === 'string' || tok.t === 'number') command.push({ o: 'literal', value: tok.value });
        else if (tok.t === 'ident') {
          if (tok.name === 'true' || tok.name === 'false') command.push({ o: 'literal', value: tok.name === 'true' });
          else if (tok.name === 'nil') command.push({ o: 'literal', value: null });
          else command.push({ o: 'func', name: tok.name });
        } else if (tok.value === '(') {
          const inner = pipeline();
          const close = tokens[pos];
          if (!(close?.t === 'punct' && close.value === ')')) fail('missing )');
          pos++;
          command.push({ o: 'pipe', pipe: inner });
        } else fail(`unexpected '${tok.value}'`);
      }
      if (command.length === 0) fail('empty command');
      result.commands.push(command);
      const tok = tokens[pos];
      if (tok?.t === 'punct' && tok.value === '|') {
        pos++;
        continue;
      }
      return result;
    }
  };
  const result = pipeline();
  if (pos !== tokens.length) fail('unexpected trailing tokens');
  return result;
}

// ---------------------------------------------------------------------------------------------
// Tree

type Node =
  | { n: 'text'; text: string }
  | { n: 'action'; pipe: Pipeline; where: string }
  | { n: 'if'; branches: { pipe: Pipeline; body: Node[] }[]; otherwise: Node[]; where: string }
  | { n: 'range'; pipe: Pipeline; body: Node[]; otherwise: Node[]; where: string }
  | { n: 'with'; pipe: Pipeline; body: Node[]; otherwise: Node[]; where: string }
  | { n: 'template'; name: string; pipe?: Pipeline; where: string };

function parseTemplate(src: string, template: string, defines: Map<string, Node[]>): Node[] {
  const pieces = splitPieces(src, template);
  let pos = 0;
  const where = (p: { line: number }) => `${template}:${p.line}`;
  const keywordOf = (source: string) => /^(if|else|end|range|with|define|template|block)\b/.exec(source)?.[1];

  // parses nodes until an `end`/`else` that belongs to the caller; returns the stopping action
  const parseList = (): { nodes: Node[]; stop?: { keyword: string; rest: string; line: number } } => {
    const nodes: Node[] = [];
    while (pos < pieces.length) {
      const piece = pieces[pos++]!;
      if (piece.kind === 'text') {
        nodes.push({ n: 'text', text: piece.text });
        continue;
      }
      const at = where(piece);
      const keyword = keywordOf(piece.source);
      const rest = keyword ? piece.source.slice(keyword.length).trim() : piece.source;
      const pipe = (s: string) => parsePipeline(lex(s, at), at, piece.source);
      switch (keyword) {
        case 'end':
        case 'else':
          return { nodes, stop: { keyword, rest, line: piece.line } };
        case 'if': {
          const branches: { pipe: Pipeline; body: Node[] }[] = [{ pipe: pipe(rest), body: [] }];
          let otherwise: Node[] = [];
          for (;;) {
            const { nodes: body, stop } = parseList();
            if (!stop) throw new TemplateError(at, 'if without end');
            branches[branches.length - 1]!.body = body;
            if (stop.keyword === 'end') break;
            if (stop.rest.startsWith('if ')) {
              branches.push({ pipe: pipe(stop.rest.slice(3)), body: [] });
              continue;
            }
            if (stop.rest !== '') throw new TemplateError(`${template}:${stop.line}`, `unsupported else form: else ${stop.rest}`);
            const tail = parseList();
            if (tail.stop?.keyword !== 'end') throw new TemplateError(at, 'else must be followed by end');
            otherwise = tail.nodes;
            break;
          }
          nodes.push({ n: 'if', branches, otherwise, where: at });
          break;
        }
        case 'range':
        case 'with': {
          const p = pipe(rest);
          const first = parseList();
          let otherwise: Node[] = [];
          if (first.stop?.keyword === 'else') {
            if (first.stop.rest !== '') throw new TemplateError(at, `unsupported else form: else ${first.stop.rest}`);
            const tail = parseList();
            if (tail.stop?.keyword !== 'end') throw new TemplateError(at, `${keyword} without end`);
            otherwise = tail.nodes;
          } else if (first.stop?.keyword !== 'end') throw new TemplateError(at, `${keyword} without end`);
          nodes.push({ n: keyword, pipe: p, body: first.nodes, otherwise, where: at });
          break;
        }
        case 'define': {
          const name = JSON.parse(rest) as string;
          const body = parseList();
          if (body.stop?.keyword !== 'end') throw new TemplateError(at, `define ${name} without end`);
          defines.set(name, body.nodes);
          break;
        }
        case 'template': {
          const m = /^"([^"]+)"\s*(.*)$/.exec(rest);
          if (!m) throw new TemplateError(at, `bad template action: ${piece.source}`);
          nodes.push({ n: 'template', name: m[1]!, ...(m[2] ? { pipe: pipe(m[2]) } : {}), where: at });
          break;
        }
        case 'block':
          throw new TemplateError(at, 'block is not supported');
        default:
          nodes.push({ n: 'action', pipe: pipe(piece.source), where: at });
      }
    }
    return { nodes };
  };
  const { nodes, stop } = parseList();
  if (stop) throw new TemplateError(`${template}:${stop.line}`, `unexpected {{ ${stop.keyword} }}`);
  return nodes;
}

// ---------------------------------------------------------------------------------------------
// Evaluation

class Scope {
  private readonly frames: Map<string, unknown>[] = [new Map()];
  push() {
    this.frames.push(new Map());
  }
  pop() {
    this.frames.pop();
  }
  declare(name: string, value: unknown) {
    this.frames[this.frames.length - 1]!.set(name, value);
  }
  assign(name: string, value: unknown, where: string) {
    for (let i = this.frames.length - 1; i >= 0; i--) {
      if (this.frames[i]!.has(name)) {
        this.frames[i]!.set(name, value);
        return;
      }
    }
    throw new TemplateError(where, `undefined variable $${name}`);
  }
  get(name: string, where: string): unknown {
    for (let i = this.frames.length - 1; i >= 0; i--) if (this.frames[i]!.has(name)) return this.frames[i]!.get(name);
    throw new TemplateError(where, `undefined variable $${name || '(root)'}`);
  }
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Go's truth: false, 0, nil, and empty strings, lists and maps are false. */
export function truthy(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (isMap(v)) return Object.keys(v).length > 0;
  return true;
}

function field(value: unknown, path: string[], where: string, label: string): unknown {
  let v = value;
  for (const [i, key] of path.entries()) {
    if (v === undefined || v === null) {
      throw new TemplateError(where, `nil pointer evaluating ${label}.${path.slice(0, i + 1).join('.')}`);
    }
    if (!isMap(v)) throw new TemplateError(where, `can't evaluate field ${key} in ${label}.${path.slice(0, i).join('.')}`);
    v = v[key];
  }
  return v;
}

/** How Go's template prints a value (Helm turns `<no value>` into an empty string). */
function print(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(print).join(' ')}]`;
  if (isMap(v)) return `map[${Object.keys(v).sort().map((k) => `${k}:${print(v[k])}`).join(' ')}]`;
  return String(v);
}

function sortedJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(sortedJson).join(',')}]`;
  if (isMap(v)) return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${sortedJson(v[k])}`).join(',')}}`;
  return JSON.stringify(v ?? null);
}

function goSprintf(format: string, args: unknown[], where: string): string {
  let i = 0;
  return format.replace(/%([%sdvq])/g, (_m, verb: string) => {
    if (verb === '%') return '%';
    if (i >= args.length) throw new TemplateError(where, `printf: missing argument for %${verb}`);
    const arg = args[i++];
    if (verb === 'q') return JSON.stringify(print(arg));
    if (verb === 'd') return String(Math.trunc(Number(arg)));
    return print(arg);
  });
}

type Func = (args: unknown[], where: string) => unknown;

const FUNCTIONS: Record<string, Func> = {
  default: ([def, given]) => (truthy(given) ? given : def),
  empty: ([v]) => !truthy(v),
  not: ([v]) => !truthy(v),
  eq: ([a, ...rest]) => rest.some((b) => a === b),
  ne: ([a, b]) => a !== b,
  lt: ([a, b]) => (a as number) < (b as number),
  gt: ([a, b]) => (a as number) > (b as number),
  le: ([a, b]) => (a as number) <= (b as number),
  ge: ([a, b]) => (a as number) >= (b as number),
  trunc: ([n, s]) => {
    const str = print(s);
    const k = n as number;
    return k >= 0 ? str.slice(0, k) : str.slice(str.length + k);
  },
  trimSuffix: ([suffix, s]) => {
    const str = print(s);
    return str.endsWith(print(suffix)) && print(suffix) !== '' ? str.slice(0, -print(suffix).length) : str;
  },
  trimPrefix: ([prefix, s]) => (print(s).startsWith(print(prefix)) ? print(s).slice(print(prefix).length) : print(s)),
  replace: ([from, to, s]) => print(s).split(print(from)).join(print(to)),
  contains: ([sub, s]) => print(s).includes(print(sub)),
  hasPrefix: ([prefix, s]) => print(s).startsWith(print(prefix)),
  lower: ([s]) => print(s).toLowerCase(),
  upper: ([s]) => print(s).toUpperCase(),
  quote: (args) => args.map((a) => JSON.stringify(print(a))).join(' '),
  squote: (args) => args.map((a) => `'${print(a)}'`).join(' '),
  printf: ([format, ...args], where) => goSprintf(print(format), args, where),
  toString: ([v]: unknown[]) => print(v),
  int: ([v]) => Math.trunc(Number(v)),
  toYaml: ([v]) => (v === undefined || v === null ? 'null' : stringifyYaml(v, { sortMapEntries: true, lineWidth: 0, version: '1.1' }).replace(/\n$/, '')),
  toJson: ([v]) => sortedJson(v),
  indent: ([n, s]) => {
    const pad = ' '.repeat(n as number);
    return pad + print(s).replaceAll('\n', `\n${pad}`);
  },
  nindent: ([n, s]) => {
    const pad = ' '.repeat(n as number);
    return `\n${pad}${print(s).replaceAll('\n', `\n${pad}`)}`;
  },
  b64enc: ([s]) => Buffer.from(print(s), 'utf8').toString('base64'),
  b64dec: ([s]) => Buffer.from(print(s), 'base64').toString('utf8'),
  sha256sum: ([s]) => createHash('sha256').update(print(s)).digest('hex'),
  list: (args) => [...args],
  dict: (args) => {
    const out: Record<string, unknown> = {};
    for (let i = 0; i + 1 < args.length; i += 2) out[print(args[i])] = args[i + 1];
    return out;
  },
  hasKey: ([m, k]) => isMap(m) && Object.hasOwn(m, print(k)),
  index: ([coll, ...keys], where) => {
    let v = coll;
    for (const k of keys) {
      if (v === undefined || v === null) return undefined;
      if (Array.isArray(v)) v = v[k as number];
      else if (isMap(v)) v = v[print(k)];
      else throw new TemplateError(where, `index of ${typeof v}`);
    }
    return v;
  },
  concat: (lists) => lists.flatMap((l) => (Array.isArray(l) ? l : l === undefined || l === null ? [] : [l])),
  uniq: ([l]) => [...new Set(l as unknown[])],
  sortAlpha: ([l]) => [...(l as unknown[])].map(print).sort(),
  len: ([v]) => (Array.isArray(v) ? v.length : isMap(v) ? Object.keys(v).length : print(v).length),
  ternary: ([a, b, cond]) => (truthy(cond) ? a : b),
  required: ([message, v], where) => {
    if (v === undefined || v === null || v === '') throw new TemplateError(where, print(message));
    return v;
  },
  fail: ([message], where) => {
    throw new TemplateError(where, print(message));
  },
  genCA: () => ({ Cert: PLACEHOLDER_CA_PEM, Key: PLACEHOLDER_KEY_PEM }),
  genSignedCert: () => ({ Cert: PLACEHOLDER_CERT_PEM, Key: PLACEHOLDER_KEY_PEM }),
  lookup: () => ({}),
};

export interface ChartRender {
  /** template path (e.g. templates/deployment.yaml) -> rendered text */
  files: Map<string, string>;
  /** the objects, in file order, as `helm template` prints them */
  documents: Record<string, unknown>[];
  /** the stream `helm template` would print (with `# Source:` comments) */
  stream: string;
}

export interface RenderOptions {
  chartDir: string;
  releaseName: string;
  namespace: string;
  /** merged over values.yaml (maps deep-merged, everything else replaced) */
  values?: Record<string, unknown>;
}

function deepMerge(base: unknown, over: unknown): unknown {
  if (isMap(base) && isMap(over)) {
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(over)) out[k] = v === null ? undefined : deepMerge(base[k], v);
    return out;
  }
  return over === undefined ? base : over;
}

export function renderChart(options: RenderOptions): ChartRender {
  const chart = parseYaml(readFileSync(path.join(options.chartDir, 'Chart.yaml'), 'utf8')) as Record<string, unknown>;
  const defaults = parseYaml(readFileSync(path.join(options.chartDir, 'values.yaml'), 'utf8')) as Record<string, unknown>;
  const templatesDir = path.join(options.chartDir, 'templates');
  const templates = new Map<string, string>();
  for (const name of readdirSync(templatesDir).filter((f) => /\.(ya?ml|tpl)$/.test(f)).sort()) {
    templates.set(`templates/${name}`, readFileSync(path.join(templatesDir, name), 'utf8'));
  }
  const values = deepMerge(defaults, options.values ?? {}) as Record<string, unknown>;
  return renderSources({ chart, values, templates, releaseName: options.releaseName, namespace: options.namespace });
}

export interface SourceOptions {
  /** Chart.yaml contents (name, version, appVersion) */
  chart: Record<string, unknown>;
  values: Record<string, unknown>;
  /** template path (templates/x.yaml) -> text, rendered in this order; `_`-prefixed files only define */
  templates: Map<string, string>;
  releaseName: string;
  namespace: string;
}

export function renderSources(options: SourceOptions): ChartRender {
  const files = renderTexts(options);
  const documents: Record<string, unknown>[] = [];
  let stream = '';
  for (const [rel, text] of files) {
    for (const part of text.split(/^---\s*$/m)) {
      if (part.split('\n').every((l) => l.trim() === '' || l.trim().startsWith('#'))) continue;
      let doc: unknown;
      try {
        doc = parseYaml(part);
      } catch (error) {
        throw new TemplateError(rel, `rendered YAML does not parse: ${(error as Error).message}\n${part}`);
      }
      if (doc === null || doc === undefined) continue;
      if (!isMap(doc)) throw new TemplateError(rel, `rendered a document that is not a map:\n${part}`);
      documents.push(doc);
      stream += `---\n# Source: ${String(options.chart.name)}/${rel}\n${part.replace(/^\n+/, '').replace(/\s+$/, '')}\n`;
    }
  }
  return { files, documents, stream };
}

/** The rendered text of each template that is not a `_` helper file. */
export function renderTexts(options: SourceOptions): Map<string, string> {
  const { chart, values } = options;
  const root = {
    Values: values,
    Release: { Name: options.releaseName, Namespace: options.namespace, Service: 'Helm', IsInstall: true, IsUpgrade: false },
    Chart: { Name: chart.name, Version: chart.version, AppVersion: chart.appVersion },
    Capabilities: { KubeVersion: { Version: 'v1.31.0', Major: '1', Minor: '31' } },
  };
  const defines = new Map<string, Node[]>();
  const trees = new Map<string, Node[]>();
  for (const [rel, text] of options.templates) trees.set(rel, parseTemplate(text, rel, defines));

  const execute = (nodes: Node[], dot: unknown, scope: Scope): string => {
    let out = '';
    const evalPipe = (pipe: Pipeline, where: string, dotValue: unknown, declareIn = true): unknown => {
      let value: unknown;
      let hasValue = false;
      for (const command of pipe.commands) {
        value = evalCommand(command, where, dotValue, hasValue ? [value] : []);
        hasValue = true;
      }
      if (pipe.decl && declareIn) {
        const name = pipe.decl.names[pipe.decl.names.length - 1]!;
        if (pipe.decl.assign) scope.assign(name, value, where);
        else scope.declare(name, value);
      }
      return value;
    };
    const evalOperand = (op: Operand, where: string, dotValue: unknown): unknown => {
      switch (op.o) {
        case 'field':
          return field(dotValue, op.path, where, '');
        case 'var':
          return field(scope.get(op.name, where), op.path, where, `$${op.name}`);
        case 'literal':
          return op.value;
        case 'pipe':
          return evalPipe(op.pipe, where, dotValue, false);
        case 'func':
          return callFunction(op.name, [], where, dotValue);
      }
    };
    const callFunction = (name: string, argOps: Operand[], where: string, dotValue: unknown, piped: unknown[] = []): unknown => {
      if (name === 'and' || name === 'or') {
        const thunks = [...argOps.map((a) => () => evalOperand(a, where, dotValue)), ...piped.map((p) => () => p)];
        let last: unknown;
        for (const thunk of thunks) {
          last = thunk();
          if (name === 'and' ? !truthy(last) : truthy(last)) return last;
        }
        return last;
      }
      const args = [...argOps.map((a) => evalOperand(a, where, dotValue)), ...piped];
      if (name === 'include') {
        const body = defines.get(print(args[0]));
        if (!body) throw new TemplateError(where, `include: no template named "${print(args[0])}"`);
        const inner = new Scope();
        inner.declare('', args[1]);
        return execute(body, args[1], inner);
      }
      const fn = FUNCTIONS[name];
      if (!fn) throw new TemplateError(where, `function "${name}" not defined (helm-lite supports: ${Object.keys(FUNCTIONS).sort().join(', ')}, and, or, include)`);
      return fn(args, where);
    };
    const evalCommand = (command: Command, where: string, dotValue: unknown, piped: unknown[]): unknown => {
      const [head, ...rest] = command;
      if (head!.o === 'func') return callFunction(head!.name, rest, where, dotValue, piped);
      if (rest.length > 0 || piped.length > 0) throw new TemplateError(where, `can't give arguments to a non-function`);
      return evalOperand(head!, where, dotValue);
    };

    for (const node of nodes) {
      switch (node.n) {
        case 'text':
          out += node.text;
          break;
        case 'action': {
          const value = evalPipe(node.pipe, node.where, dot);
          if (!node.pipe.decl) out += print(value);
          break;
        }
        case 'if': {
          let done = false;
          for (const branch of node.branches) {
            scope.push();
            if (truthy(evalPipe(branch.pipe, node.where, dot))) {
              out += execute(branch.body, dot, scope);
              done = true;
            }
            scope.pop();
            if (done) break;
          }
          if (!done) {
            scope.push();
            out += execute(node.otherwise, dot, scope);
            scope.pop();
          }
          break;
        }
        case 'with': {
          scope.push();
          const value = evalPipe(node.pipe, node.where, dot);
          out += truthy(value) ? execute(node.body, value, scope) : execute(node.otherwise, dot, scope);
          scope.pop();
          break;
        }
        case 'range': {
          scope.push();
          const value = evalPipe(node.pipe, node.where, dot, false);
          const entries: [unknown, unknown][] = Array.isArray(value)
            ? value.map((v, i) => [i, v])
            : isMap(value)
              ? Object.keys(value).sort().map((k) => [k, value[k]])
              : value === undefined || value === null
                ? []
                : (() => {
                    throw new TemplateError(node.where, `range can't iterate over ${print(value)}`);
                  })();
          if (entries.length === 0) out += execute(node.otherwise, dot, scope);
          for (const [key, element] of entries) {
            scope.push();
            const names = node.pipe.decl?.names ?? [];
            if (names.length === 1) scope.declare(names[0]!, element);
            if (names.length === 2) {
              scope.declare(names[0]!, key);
              scope.declare(names[1]!, element);
            }
            out += execute(node.body, element, scope);
            scope.pop();
          }
          scope.pop();
          break;
        }
        case 'template': {
          const body = defines.get(node.name);
          if (!body) throw new TemplateError(node.where, `no template named "${node.name}"`);
          const arg = node.pipe ? evalPipe(node.pipe, node.where, dot, false) : undefined;
          const inner = new Scope();
          inner.declare('', arg);
          out += execute(body, arg, inner);
          break;
        }
      }
    }
    return out;
  };

  const files = new Map<string, string>();
  for (const [rel, tree] of trees) {
    if (path.basename(rel).startsWith('_')) continue;
    const scope = new Scope();
    scope.declare('', root);
    files.set(rel, execute(tree, root, scope));
  }
  return files;
}
