/** Every library the environment declares, in registration order. */
import type { CelLibrary } from './library.js';

export const ALL_LIBRARIES: readonly CelLibrary[] = [];
