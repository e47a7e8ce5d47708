/**
 * cel-go sets extension (ext.Sets, enabled by the apiserver since 1.29): set relations between
 * lists, with CEL equality (so `sets.contains([1.0], [1])` holds).
 */
import { charge } from '../budget.js';
import { celEquals } from './compare.js';
import type { CelLibrary } from './library.js';

function includes(list: unknown[], item: unknown): boolean {
  for (const element of list) if (celEquals(element, item)) return true;
  return false;
}

/** Every element of `subset` is in `list`. */
export function contains(list: unknown[], subset: unknown[]): boolean {
  charge(1 + list.length * subset.length);
  return subset.every((item) => includes(list, item));
}

/** Same elements, ignoring order and duplicates. */
export function equivalent(a: unknown[], b: unknown[]): boolean {
  return contains(a, b) && contains(b, a);
}

/** At least one element in common. */
export function intersects(a: unknown[], b: unknown[]): boolean {
  charge(1 + a.length * b.length);
  return a.some((item) => includes(b, item));
}

const NS = 'portcullis.SetsNamespace';

export const setsLibrary: CelLibrary = {
  name: 'sets',
  namespaces: [['sets', NS]],
  functions: [
    [`${NS}.contains(list, list): bool`, (_ns: unknown, a: unknown[], b: unknown[]) => contains(a, b)],
    [`${NS}.equivalent(list, list): bool`, (_ns: unknown, a: unknown[], b: unknown[]) => equivalent(a, b)],
    [`${NS}.intersects(list, list): bool`, (_ns: unknown, a: unknown[], b: unknown[]) => intersects(a, b)],
  ],
};
