/** Every library the environment declares, in registration order. */
import { comprehensionsLibrary } from './comprehensions.js';
import { coreLibrary } from './core.js';
import { formatLibrary } from './format.js';
import { ipLibrary } from './ip.js';
import type { CelLibrary } from './library.js';
import { listsLibrary } from './lists.js';
import { optionalsLibrary } from './optionals.js';
import { quantityLibrary } from './quantity.js';
import { regexLibrary } from './regex.js';
import { setsLibrary } from './sets.js';
import { stringsLibrary } from './strings.js';
import { urlLibrary } from './url.js';

export const ALL_LIBRARIES: readonly CelLibrary[] = [
  coreLibrary,
  stringsLibrary,
  optionalsLibrary,
  quantityLibrary,
  listsLibrary,
  regexLibrary,
  urlLibrary,
  ipLibrary,
  formatLibrary,
  setsLibrary,
  comprehensionsLibrary,
];
