/**
 * Kubernetes regex library (apiserver `library/regex.go`): `find` and `findAll` with RE2
 * semantics (re2js, compile cache in ../re2.ts). `matches` itself is rerouted to RE2 in ../ast.ts.
 */
import { EvaluationError } from '@marcbachmann/cel-js';
import { re2Find, re2FindAll, re2Matches } from '../re2.js';
import type { CelLibrary } from './library.js';

export const regexLibrary: CelLibrary = {
  name: 'kubernetes.regex',
  functions: [
    // the global form of CEL's matches; the engine only declares the method form
    ['matches(string, string): bool', (s: string, re: string) => re2Matches(s, re)],
    ['string.find(string): string', (s: string, re: string) => re2Find(s, re)],
    ['string.findAll(string): list<string>', (s: string, re: string) => re2FindAll(s, re)],
    [
      'string.findAll(string, int): list<string>',
      (s: string, re: string, limit: bigint) => {
        if (limit > BigInt(Number.MAX_SAFE_INTEGER) || limit < -1n) {
          if (limit < 0n) return re2FindAll(s, re, -1);
          throw new EvaluationError({ code: 'invalid_argument', message: `findAll limit ${limit} out of range` });
        }
        return re2FindAll(s, re, Number(limit));
      },
    ],
  ],
};
