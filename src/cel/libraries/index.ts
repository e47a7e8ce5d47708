/** Every library the environment declares, in registration order. */
import type { CelLibrary } from './library.js';
import { listsLibrary } from './lists.js';
import { optionalsLibrary } from './optionals.js';
import { quantityLibrary } from './quantity.js';
import { regexLibrary } from './regex.js';
import { stringsLibrary } from './strings.js';

export const ALL_LIBRARIES: readonly CelLibrary[] = [stringsLibrary, optionalsLibrary, quantityLibrary, listsLibrary, regexLibrary];
