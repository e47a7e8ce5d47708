/**
 * Runs synchronous policy code with a time budget. A JavaScript function cannot be interrupted
 * from outside, but V8 can terminate whatever runs under a vm script that has a `timeout`: the
 * script below only calls the function we put in its context, so the function itself (in our own
 * realm, with our own Array/Object) is what the watchdog stops. Node then resets the isolate and
 * the next call runs normally.
 *
 * Cost: Node starts (and joins) a watchdog thread per timed call, 0.3-1.4 ms on a 2-core machine
 * (bench/ts-policy-call.ts). So it bounds what runs once - a policy module's top-level code at load -
 * while per-review calls use the cheaper guard instrumentation of guard.ts.
 */
import vm from 'node:vm';
import { PolicyTimeoutError } from './guard.js';

export { PolicyTimeoutError };

const slot: { call: (() => unknown) | undefined } = { call: undefined };
const context = vm.createContext(slot);
const trampoline = new vm.Script('call()', { filename: 'portcullis:bounded-call' });

/** Calls fn and returns its result; throws PolicyTimeoutError when it runs past timeoutMs. */
export function callWithTimeout<T>(fn: () => T, timeoutMs: number): T {
  const previous = slot.call;
  slot.call = fn;
  try {
    return trampoline.runInContext(context, { timeout: timeoutMs }) as T;
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') throw new PolicyTimeoutError(timeoutMs);
    throw error;
  } finally {
    // restored so a nested bounded call (a policy loading another) leaves the outer one intact
    slot.call = previous;
  }
}
