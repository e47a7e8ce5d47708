/**
 * Reads policy folders: Kubernetes manifests (YAML/JSON) and TypeScript/JavaScript policy modules.
 *
 * Folder rules (documented in README "Policy folders"):
 * - Folders are walked recursively in name order, so loading is deterministic.
 * - `.yaml`/`.yml`/`.json` files hold Kubernetes objects: multi-document YAML, JSON, and `List`
 *   kinds (`kind: List` or any `*List` with `items`) are expanded item by item. Empty documents are
 *   skipped. Every other document must have `apiVersion` and `kind`.
 * - `.ts`/`.mts`/`.js`/`.mjs` files are policy modules, one policy each (their default export).
 * - A folder holding `index.ts` (or index.mts/.js/.mjs) is ONE policy module: the index is the
 *   entry and every other code file below that folder is its own helper code, bundled through its
 *   imports rather than loaded as a policy. Manifests below it are still read.
 * - Skipped: hidden entries (`.name`), `node_modules`, `tests` and `__tests__` folders, `*.d.ts`,
 *   `*.test.*` / `*.spec.*` files, and tooling files (package.json, tsconfig*.json).
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { LineCounter, parseAllDocuments } from 'yaml';
import type { KubeObject } from '../admission/types.js';
import { PolicyLoadError, type SourcedDocument } from './errors.js';

export interface FolderContents {
  /** every Kubernetes object found, in file order */
  documents: SourcedDocument[];
  /** policy module entry files (absolute paths) */
  modules: string[];
  errors: PolicyLoadError[];
}

const MANIFEST_EXTENSIONS = ['.yaml', '.yml', '.json'];
const MODULE_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'];
const INDEX_FILES = MODULE_EXTENSIONS.map((ext) => `index${ext}`);
const SKIPPED_FOLDERS = new Set(['node_modules', 'tests', '__tests__']);
const TOOLING_FILES = /^(package(-lock)?\.json|tsconfig(\..*)?\.json|jsconfig\.json)$/;

/** Reads every folder (a plain file path is accepted too and read as one file). */
export async function readPolicyFolders(dirs: readonly string[]): Promise<FolderContents> {
  const contents: FolderContents = { documents: [], modules: [], errors: [] };
  for (const dir of dirs) {
    let info;
    try {
      info = await stat(dir);
    } catch (error) {
      contents.errors.push(new PolicyLoadError('POLICY_PATH_UNREADABLE', dir, `cannot read policy folder: ${errorText(error)}`));
      continue;
    }
    if (info.isDirectory()) await walk(dir, false, contents);
    else await readEntryFile(dir, contents, true);
  }
  return contents;
}

async function walk(dir: string, insideModule: boolean, contents: FolderContents): Promise<void> {
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch (error) {
    contents.errors.push(new PolicyLoadError('POLICY_PATH_UNREADABLE', dir, `cannot read folder: ${errorText(error)}`));
    return;
  }
  const index = insideModule ? undefined : INDEX_FILES.find((name) => names.includes(name));
  if (index) contents.modules.push(path.resolve(dir, index));
  const ownedByModule = insideModule || index !== undefined;

  for (const name of names) {
    if (name.startsWith('.')) continue;
    const full = path.join(dir, name);
    let info;
    try {
      info = await stat(full);
    } catch (error) {
      contents.errors.push(new PolicyLoadError('POLICY_PATH_UNREADABLE', full, `cannot read: ${errorText(error)}`));
      continue;
    }
    if (info.isDirectory()) {
      if (!SKIPPED_FOLDERS.has(name)) await walk(full, ownedByModule, contents);
      continue;
    }
    if (isModuleFile(name)) {
      if (!ownedByModule) contents.modules.push(path.resolve(full));
      continue;
    }
    await readEntryFile(full, contents, false);
  }
}

async function readEntryFile(file: string, contents: FolderContents, explicit: boolean): Promise<void> {
  const name = path.basename(file);
  if (isModuleFile(name) || (explicit && MODULE_EXTENSIONS.includes(path.extname(name)))) {
    contents.modules.push(path.resolve(file));
    return;
  }
  if (!MANIFEST_EXTENSIONS.includes(path.extname(name).toLowerCase()) || TOOLING_FILES.test(name) || isTestFile(name)) {
    return;
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    contents.errors.push(new PolicyLoadError('POLICY_PATH_UNREADABLE', file, `cannot read file: ${errorText(error)}`));
    return;
  }
  const parsed = parseManifests(text, file);
  contents.documents.push(...parsed.documents);
  contents.errors.push(...parsed.errors);
}

function isModuleFile(name: string): boolean {
  return MODULE_EXTENSIONS.includes(path.extname(name)) && !name.endsWith('.d.ts') && !name.endsWith('.d.mts') && !isTestFile(name);
}

function isTestFile(name: string): boolean {
  return /\.(test|spec)\.[^.]+$/.test(name);
}

/**
 * Parses YAML (or JSON) text holding Kubernetes objects. Invalid YAML is reported with its line and
 * the documents before it are kept; a document that is not an object with apiVersion/kind is an error.
 */
export function parseManifests(text: string, file: string): { documents: SourcedDocument[]; errors: PolicyLoadError[] } {
  const lineCounter = new LineCounter();
  const documents: SourcedDocument[] = [];
  const errors: PolicyLoadError[] = [];
  const parsed = parseAllDocuments(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  // A stream that is nothing but comments parses as an empty array.
  const list = Array.isArray(parsed) ? parsed : [parsed];
  for (const document of list) {
    const problem = document.errors[0];
    if (problem) {
      const line = problem.linePos?.[0]?.line ?? lineCounter.linePos(problem.pos[0]).line;
      errors.push(new PolicyLoadError('YAML_INVALID', file, `invalid YAML: ${(problem.message.split('\n')[0] ?? '').replace(/:$/, '')}`, line));
      continue;
    }
    if (document.contents === null) continue;
    const start = document.contents.range?.[0] ?? 0;
    const line = lineCounter.linePos(start).line;
    let value: unknown;
    try {
      value = document.toJS({ maxAliasCount: 100 });
    } catch (error) {
      errors.push(new PolicyLoadError('YAML_INVALID', file, `invalid YAML: ${errorText(error)}`, line));
      continue;
    }
    if (value === null || value === undefined) continue;
    const problemText = manifestProblem(value);
    if (problemText) {
      errors.push(new PolicyLoadError('MANIFEST_INVALID', file, problemText, line));
      continue;
    }
    const object = value as KubeObject;
    if (isList(object)) {
      const items = object.items as unknown[];
      items.forEach((item, i) => {
        const node = document.getIn(['items', i], true) as { range?: [number, number, number] } | undefined;
        const itemLine = node?.range ? lineCounter.linePos(node.range[0]).line : line;
        const itemProblem = manifestProblem(item);
        if (itemProblem) errors.push(new PolicyLoadError('MANIFEST_INVALID', file, `items[${i}]: ${itemProblem}`, itemLine));
        else documents.push({ doc: item as KubeObject, file, line: itemLine });
      });
      continue;
    }
    documents.push({ doc: object, file, line });
  }
  return { documents, errors };
}

function isList(object: KubeObject): boolean {
  return typeof object.kind === 'string' && object.kind.endsWith('List') && Array.isArray(object.items);
}

function manifestProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return `expected a Kubernetes object, got ${Array.isArray(value) ? 'a list' : typeof value}`;
  }
  const object = value as Record<string, unknown>;
  if (typeof object.apiVersion !== 'string' || object.apiVersion === '') return 'not a Kubernetes object: apiVersion is missing';
  if (typeof object.kind !== 'string' || object.kind === '') return 'not a Kubernetes object: kind is missing';
  return undefined;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
