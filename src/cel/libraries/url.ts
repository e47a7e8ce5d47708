/**
 * Kubernetes URL library (apiserver `library/urls.go`): `url(s)` accepts what Go's
 * url.ParseRequestURI accepts (an absolute URI or an absolute path), and the accessors return
 * what Go's url.URL returns. The WHATWG URL parser normalises too much (host case, default
 * ports, dot segments) to stand in for Go's, so this is a small Go-compatible parser.
 */
import { EvaluationError } from '@marcbachmann/cel-js';
import type { CelLibrary } from './library.js';

export class URLValue {
  constructor(
    readonly source: string,
    readonly scheme: string,
    readonly host: string,
    /** Decoded path (Go url.URL.Path). */
    readonly path: string,
    /** The path as written, when that is a valid encoding of `path`. */
    readonly rawPath: string,
    readonly rawQuery: string,
  ) {}

  toCelString(): string {
    return this.source;
  }

  toString(): string {
    return this.source;
  }

  hostname(): string {
    const { name } = splitHostPort(this.host);
    return name;
  }

  port(): string {
    return splitHostPort(this.host).port;
  }

  escapedPath(): string {
    if (this.rawPath !== '' && isValidEncodedPath(this.rawPath)) return this.rawPath;
    if (this.path === '*') return '*';
    return escapePath(this.path);
  }

  query(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const part of this.rawQuery.split('&')) {
      if (part === '' || part.includes(';')) continue;
      const eq = part.indexOf('=');
      const key = queryUnescape(eq < 0 ? part : part.slice(0, eq));
      const value = queryUnescape(eq < 0 ? '' : part.slice(eq + 1));
      if (key === undefined || value === undefined) continue;
      const list = out.get(key);
      if (list) list.push(value);
      else out.set(key, [value]);
    }
    return out;
  }
}

function splitHostPort(host: string): { name: string; port: string } {
  if (host.startsWith('[')) {
    const close = host.indexOf(']');
    const name = host.slice(1, close < 0 ? undefined : close);
    const rest = close < 0 ? '' : host.slice(close + 1);
    return { name, port: rest.startsWith(':') ? rest.slice(1) : '' };
  }
  const colon = host.lastIndexOf(':');
  if (colon < 0) return { name: host, port: '' };
  return { name: host.slice(0, colon), port: host.slice(colon + 1) };
}

const PATH_SAFE = /^[A-Za-z0-9\-_.~$&+,/:;=@]$/;
const VALID_ENCODED = /^(?:[A-Za-z0-9\-_.~!$&'()*+,;=:@[\]/]|%[0-9A-Fa-f]{2})*$/;

function isValidEncodedPath(raw: string): boolean {
  return VALID_ENCODED.test(raw);
}

function escapePath(path: string): string {
  let out = '';
  for (const ch of path) {
    if (PATH_SAFE.test(ch)) out += ch;
    else for (const byte of Buffer.from(ch, 'utf8')) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Percent-decoding; undefined on a malformed escape. */
function unescape(s: string, plusIsSpace: boolean): string | undefined {
  if (!s.includes('%') && !(plusIsSpace && s.includes('+'))) return s;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c === '%') {
      const hex = s.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return undefined;
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else if (c === '+' && plusIsSpace) {
      bytes.push(0x20);
    } else {
      for (const b of Buffer.from(c, 'utf8')) bytes.push(b);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function queryUnescape(s: string): string | undefined {
  return unescape(s, true);
}

function parseError(source: string, reason: string): EvaluationError {
  return new EvaluationError({
    code: 'invalid_argument',
    message: `URL parse error during conversion from string: parse ${JSON.stringify(source)}: ${reason}`,
  });
}

function hasControlCharacter(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

const SCHEME = /^[A-Za-z][A-Za-z0-9+\-.]*$/;

function validHost(host: string): string | undefined {
  if (host.startsWith('[')) {
    const close = host.indexOf(']');
    if (close < 0) return 'missing \']\' in host';
    const rest = host.slice(close + 1);
    if (rest !== '' && !/^:[0-9]*$/.test(rest)) return `invalid port ${JSON.stringify(rest)} after host`;
    return undefined;
  }
  const colon = host.lastIndexOf(':');
  if (colon >= 0) {
    const port = host.slice(colon);
    if (!/^:[0-9]*$/.test(port)) return `invalid port ${JSON.stringify(port)} after host`;
  }
  if (unescape(host, false) === undefined) return `invalid URL escape ${JSON.stringify(host)}`;
  return undefined;
}

/** Go url.ParseRequestURI, then url.Parse (which, unlike the former, splits off a #fragment). */
export function parseURL(source: string): URLValue {
  if (hasControlCharacter(source)) throw parseError(source, 'net/url: invalid control character in URL');
  if (source === '') throw parseError(source, 'empty url');
  if (source === '*') return new URLValue(source, '', '', '*', '', '');

  let rest = source;
  let scheme = '';
  const colon = rest.indexOf(':');
  const firstNonScheme = rest.search(/[^A-Za-z0-9+\-.]/);
  if (colon >= 0 && firstNonScheme === colon) {
    if (colon === 0) throw parseError(source, 'missing protocol scheme');
    const candidate = rest.slice(0, colon);
    if (SCHEME.test(candidate)) {
      scheme = candidate.toLowerCase();
      rest = rest.slice(colon + 1);
    }
  }

  // the request-URI check sees any fragment as part of the path or query
  const hash = rest.indexOf('#');
  const withoutFragment = hash < 0 ? rest : rest.slice(0, hash);
  const query = withoutFragment.indexOf('?');
  const rawQuery = query < 0 ? '' : withoutFragment.slice(query + 1);
  let beforeQuery = query < 0 ? withoutFragment : withoutFragment.slice(0, query);
  const requestView = rest.indexOf('?') < 0 ? rest : rest.slice(0, rest.indexOf('?'));

  if (!requestView.startsWith('/')) {
    if (scheme !== '') return new URLValue(source, scheme, '', '', '', rawQuery); // opaque, e.g. mailto:x
    throw parseError(source, 'invalid URI for request');
  }

  let host = '';
  if (scheme !== '' && beforeQuery.startsWith('//')) {
    const authorityEnd = beforeQuery.indexOf('/', 2);
    const authority = authorityEnd < 0 ? beforeQuery.slice(2) : beforeQuery.slice(2, authorityEnd);
    beforeQuery = authorityEnd < 0 ? '' : beforeQuery.slice(authorityEnd);
    const at = authority.lastIndexOf('@');
    host = at < 0 ? authority : authority.slice(at + 1);
    const problem = validHost(host);
    if (problem) throw parseError(source, problem);
  }

  const path = unescape(beforeQuery, false);
  if (path === undefined) throw parseError(source, `invalid URL escape ${JSON.stringify(beforeQuery)}`);
  const rawPath = escapePath(path) === beforeQuery ? '' : beforeQuery;
  return new URLValue(source, scheme, host, path, rawPath, rawQuery);
}

function isURL(source: string): boolean {
  try {
    parseURL(source);
    return true;
  } catch {
    return false;
  }
}

const URL_TYPE = 'kubernetes.URL';

export const urlLibrary: CelLibrary = {
  name: 'kubernetes.urls',
  types: [[URL_TYPE, URLValue]],
  functions: [
    [`url(string): ${URL_TYPE}`, parseURL],
    ['isURL(string): bool', isURL],
    [`${URL_TYPE}.getScheme(): string`, (u: URLValue) => u.scheme],
    [`${URL_TYPE}.getHost(): string`, (u: URLValue) => u.host],
    [`${URL_TYPE}.getHostname(): string`, (u: URLValue) => u.hostname()],
    [`${URL_TYPE}.getPort(): string`, (u: URLValue) => u.port()],
    [`${URL_TYPE}.getEscapedPath(): string`, (u: URLValue) => u.escapedPath()],
    [`${URL_TYPE}.getQuery(): map<string, list<string>>`, (u: URLValue) => u.query()],
  ],
};
