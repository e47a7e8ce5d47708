/**
 * Kubernetes regex library (apiserver `library/regex.go`): `find` and `findAll` with RE2
 * semantics (re2js, compile cache in ../re2.ts). `matches` itself is rerouted to RE2 in ../ast.ts.
 */
import { re2Find, re2FindAll, re2Matches } from '../re2.js';
import type { CelLibrary } from './library.js';

export const regexLibrary: CelLibrary = {
  name: 'kubernetes.regex',
  functions: [
    // the global form of CEL's matches; the engine only declares the method form
    ['matches(string, string): bool', (s: string, re: string) => re2Matches(s, re)],
    ['string.find(string): string', (s: string, re: string) => re2Find(s, re)],
    ['string.findAll(string): list<string>', (s: string, re: string) => re2FindAll(s, re)],
    // a negative limit means all matches (cel-go); a limit beyond any possible count is the same
    [
      'string.findAll(string, int): list<string>',
      (s: string, re: string, limit: bigint) => re2FindAll(s, re, limit < 0n || limit > BigInt(s.length + 1) ? -1 : Number(limit)),
    ],
  ],
};
