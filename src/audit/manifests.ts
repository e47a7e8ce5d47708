/**
 * Reads manifests the way `kubectl apply -f` does: files, folders (recursive: .yaml, .yml, .json),
 * `-` for stdin; multi-document YAML, JSON, and `List` kinds expanded into their items. Helm and
 * kustomize output is plain multi-document YAML, so `helm template . | portcullis audit -f -` works.
 * Every object keeps its origin (file and line) so that reports and errors can point at it.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { isMap, isSeq, LineCounter, parseAllDocuments, type Document } from 'yaml';
import type { KubeObject } from '../admission/types.js';
import { AuditInputError } from './errors.js';

export interface SourcedObject {
  object: KubeObject;
  /** the path as given (or found in a folder), `<stdin>` for `-` */
  file: string;
  /** 1-based line where the object starts */
  line: number;
}

export const STDIN_NAME = '<stdin>';
const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

export interface ReadManifestsOptions {
  /** where `-` reads from (default process.stdin) */
  stdin?: NodeJS.ReadableStream;
}

/** Every object in the given paths, in order: paths in the order given, folders sorted by name. */
export async function readManifests(paths: string[], options: ReadManifestsOptions = {}): Promise<SourcedObject[]> {
  const objects: SourcedObject[] = [];
  for (const given of paths) {
    if (given === '-') {
      const text = await readStream(options.stdin ?? process.stdin);
      objects.push(...parseManifests(text, STDIN_NAME));
      continue;
    }
    for (const file of await manifestFiles(given)) {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (error) {
        throw new AuditInputError('MANIFEST_UNREADABLE', `cannot read file: ${reason(error)}`, { file });
      }
      objects.push(...parseManifests(text, file));
    }
  }
  return objects;
}

/** A file is taken as given (whatever its extension, as kubectl does); a folder is searched recursively. */
export async function manifestFiles(given: string): Promise<string[]> {
  let info;
  try {
    info = await stat(given);
  } catch (error) {
    throw new AuditInputError('MANIFEST_UNREADABLE', `cannot read path: ${reason(error)}`, { file: given });
  }
  if (!info.isDirectory()) return [given];
  const found: string[] = [];
  await walk(given, found);
  if (found.length === 0) {
    throw new AuditInputError('MANIFEST_UNREADABLE', 'folder holds no .yaml, .yml or .json file', { file: given });
  }
  return found;
}

async function walk(dir: string, found: string[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    throw new AuditInputError('MANIFEST_UNREADABLE', `cannot read folder: ${reason(error)}`, { file: dir });
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    let isDir = entry.isDirectory();
    let isFile = entry.isFile();
    if (entry.isSymbolicLink()) {
      const target = await stat(full).catch(() => undefined);
      isDir = target?.isDirectory() ?? false;
      isFile = target?.isFile() ?? false;
    }
    if (isDir) await walk(full, found);
    else if (isFile && MANIFEST_EXTENSIONS.has(path.extname(entry.name).toLowerCase())) found.push(full);
  }
}

/**
 * Parses one YAML or JSON text (JSON is YAML) into objects. Empty documents (a lone `---`, comments
 * only) are skipped as kubectl does; anything that is not an object with apiVersion and kind is an error.
 */
export function parseManifests(text: string, file: string): SourcedObject[] {
  const json = parseJsonDocument(text, file);
  if (json) return json;
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text, { lineCounter, prettyErrors: true });
  const docs: Document.Parsed[] = Array.isArray(documents) ? documents : [];
  const objects: SourcedObject[] = [];
  for (const doc of docs) {
    const problem = doc.errors[0];
    if (problem) {
      const position = problem.linePos?.[0] ?? lineCounter.linePos(problem.pos[0]);
      throw new AuditInputError('MANIFEST_YAML', `invalid YAML (column ${position.col}): ${firstLine(problem.message)}`, { file, line: position.line });
    }
    if (doc.contents === null) continue;
    const line = lineCounter.linePos(doc.contents.range[0]).line;
    const value: unknown = doc.toJS({ maxAliasCount: 1000 });
    if (value === null || value === undefined) continue;
    const object = asKubeObject(value, file, line);
    if (!isListKind(object)) {
      objects.push({ object, file, line });
      continue;
    }
    // Lines of the items come from the YAML nodes, so an error in item 40 of a List says where it is.
    const itemsNode = isMap(doc.contents) ? doc.contents.get('items', true) : undefined;
    const itemLines = isSeq(itemsNode) ? itemsNode.items.map((n) => lineOf(n, lineCounter, line)) : [];
    objects.push(...expandList(object, file, (i) => itemLines[i] ?? line));
  }
  return objects;
}

/**
 * JSON (`kubectl get -o json`, generated manifests) parses several times faster with JSON.parse than
 * as YAML. Anything JSON.parse refuses goes through the YAML parser, which then names the line.
 */
function parseJsonDocument(text: string, file: string): SourcedObject[] | undefined {
  const start = text.search(/\S/);
  if (start < 0 || text[start] !== '{') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const line = text.slice(0, start).split('\n').length;
  const object = asKubeObject(value, file, line);
  if (!isListKind(object)) return [{ object, file, line }];
  return expandList(object, file, () => line);
}

/** The items of a List, each checked; items of typed lists (PodList) get the kind the list implies. */
function expandList(list: KubeObject, file: string, lineAt: (index: number) => number): SourcedObject[] {
  const implied = impliedItemKind(list);
  return (list.items as unknown[]).map((item, i) => {
    const line = lineAt(i);
    if (implied && item !== null && typeof item === 'object' && !Array.isArray(item)) {
      // Typed lists leave kind and apiVersion out of their items, as the apiserver does.
      const record = item as Record<string, unknown>;
      if (record.kind === undefined) record.kind = implied.kind;
      if (record.apiVersion === undefined) record.apiVersion = implied.apiVersion;
    }
    const object = asKubeObject(item, file, line, `item ${i} of ${String(list.kind)}`);
    if (isListKind(object)) throw new AuditInputError('MANIFEST_NOT_OBJECT', `item ${i} of ${String(list.kind)} is itself a list`, { file, line });
    return { object, file, line };
  });
}

/** `List` (v1) and typed lists such as `PodList` that carry an `items` array. */
export function isListKind(object: KubeObject): boolean {
  return typeof object.kind === 'string' && object.kind.endsWith('List') && Array.isArray(object.items);
}

function impliedItemKind(list: KubeObject): { kind: string; apiVersion: string } | undefined {
  const kind = String(list.kind);
  if (kind === 'List' || typeof list.apiVersion !== 'string') return undefined;
  return { kind: kind.slice(0, -'List'.length), apiVersion: list.apiVersion };
}

function asKubeObject(value: unknown, file: string, line: number, what = 'document'): KubeObject {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const type = Array.isArray(value) ? 'a list' : value === null ? 'null' : `a ${typeof value}`;
    throw new AuditInputError('MANIFEST_NOT_OBJECT', `${what} is ${type}, not a Kubernetes object`, { file, line });
  }
  const object = value as KubeObject;
  for (const field of ['apiVersion', 'kind'] as const) {
    if (typeof object[field] !== 'string' || object[field] === '') {
      throw new AuditInputError('MANIFEST_NOT_OBJECT', `${what} has no ${field}`, { file, line });
    }
  }
  if (object.metadata !== undefined && (object.metadata === null || typeof object.metadata !== 'object' || Array.isArray(object.metadata))) {
    throw new AuditInputError('MANIFEST_NOT_OBJECT', `${what} has a metadata that is not an object`, { file, line });
  }
  return object;
}

function lineOf(node: unknown, lineCounter: LineCounter, fallback: number): number {
  const range = (node as { range?: [number, number, number] } | null)?.range;
  return range ? lineCounter.linePos(range[0]).line : fallback;
}

async function readStream(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  } catch (error) {
    throw new AuditInputError('MANIFEST_UNREADABLE', `cannot read standard input: ${reason(error)}`, { file: STDIN_NAME });
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The parser's first line without its own "at line L, column C:" (the location is already in front). */
function firstLine(message: string): string {
  const line = message.split('\n')[0] ?? message;
  return line.replace(/ at line \d+, column \d+:?$/, '');
}

function reason(error: unknown): string {
  const code = (error as { code?: unknown })?.code;
  const message = error instanceof Error ? error.message : String(error);
  return typeof code === 'string' ? `${code} (${message.replace(/^[A-Z]+: /, '')})` : message;
}
