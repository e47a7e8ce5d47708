/**
 * The shape of a Kubernetes CEL library: its declarations (signature -> implementation) in one
 * table, so each library file reads like the apiserver's `cel/library/*.go` declarations.
 */
import type { Environment } from '@marcbachmann/cel-js';

/** Implementations receive engine values: int as bigint, double as number, lists as arrays. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Implementation = (...args: any[]) => unknown;

export interface CelLibrary {
  readonly name: string;
  /** `registerType(name, class)`: values of these classes have that CEL type. */
  readonly types?: readonly (readonly [string, new (...args: never[]) => unknown])[];
  /** `'name(argType, ...): returnType'` or `'receiver.name(...): returnType'` -> implementation. */
  readonly functions: readonly (readonly [string, Implementation])[];
  /**
   * Namespace objects (`strings`, `format`, `ip`) so that `strings.quote(s)` parses as a method
   * on a constant of a private type, the way the engine's own `optional.of(x)` works.
   */
  readonly namespaces?: readonly (readonly [string, string])[];
  /** `'Type == Type'`-style operator overloads. */
  readonly operators?: readonly (readonly [string, Implementation])[];
}

export function registerLibrary(env: Environment, library: CelLibrary): void {
  for (const [name, ctor] of library.types ?? []) env.registerType(name, ctor as never);
  for (const [constant, typeName] of library.namespaces ?? []) {
    const Namespace = { [typeName]: class {} }[typeName] as new () => object;
    env.registerType(typeName, Namespace);
    env.registerConstant(constant, typeName, new Namespace());
  }
  for (const [signature, impl] of library.functions) {
    try {
      env.registerFunction(signature, impl);
    } catch (error) {
      throw new Error(`CEL library '${library.name}': cannot declare ${signature}: ${(error as Error).message}`, { cause: error });
    }
  }
  for (const [signature, impl] of library.operators ?? []) env.registerOperator(signature, impl as never);
}
