/**
 * Kubernetes format library (apiserver `library/format.go`): named string formats whose
 * `validate(s)` returns optional.none() when `s` is valid, else optional.of(list of errors).
 *
 *   format.dns1123Label().validate(object.metadata.name).hasValue()   // true when invalid
 *   format.named('uuid').value().validate(s)
 *
 * The error texts are those of k8s.io/apimachinery's validation helpers.
 */
import { Optional } from '@marcbachmann/cel-js';
import type { CelLibrary } from './library.js';
import { parseURL } from './url.js';

export class NamedFormat {
  constructor(
    readonly name: string,
    readonly validate: (s: string) => string[],
  ) {}

  toCelString(): string {
    return this.name;
  }
}

const DNS1123_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN = `${DNS1123_LABEL}(\\.${DNS1123_LABEL})*`;
const DNS1035_LABEL = '[a-z]([-a-z0-9]*[a-z0-9])?';
const QUALIFIED_NAME_PART = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const LABEL_VALUE = `(${QUALIFIED_NAME_PART})?`;

const anchored = (pattern: string): RegExp => new RegExp(`^(?:${pattern})$`);
const dns1123LabelRe = anchored(DNS1123_LABEL);
const dns1123SubdomainRe = anchored(DNS1123_SUBDOMAIN);
const dns1035LabelRe = anchored(DNS1035_LABEL);
const qualifiedNamePartRe = anchored(QUALIFIED_NAME_PART);
const labelValueRe = anchored(LABEL_VALUE);

const maxLength = (n: number): string => `must be no more than ${n} characters`;
/** apimachinery RegexError wording, including its "', or '" example separator. */
const regexError = (what: string, pattern: string, ...examples: string[]): string => {
  if (examples.length === 0) return `${what} (regex used for validation is '${pattern}')`;
  const listed = examples.map((x, i) => `${i > 0 ? ' or ' : ''}'${x}', `).join('');
  return `${what} (e.g. ${listed}regex used for validation is '${pattern}')`;
};

export function isDNS1123Label(value: string): string[] {
  const errors: string[] = [];
  if (value.length > 63) errors.push(maxLength(63));
  if (!dns1123LabelRe.test(value)) {
    errors.push(
      regexError(
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
        DNS1123_LABEL,
        'my-name',
        '123-abc',
      ),
    );
  }
  return errors;
}

export function isDNS1123Subdomain(value: string): string[] {
  const errors: string[] = [];
  if (value.length > 253) errors.push(maxLength(253));
  if (!dns1123SubdomainRe.test(value)) {
    errors.push(
      regexError(
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
        DNS1123_SUBDOMAIN,
        'example.com',
      ),
    );
  }
  return errors;
}

export function isDNS1035Label(value: string): string[] {
  const errors: string[] = [];
  if (value.length > 63) errors.push(maxLength(63));
  if (!dns1035LabelRe.test(value)) {
    errors.push(
      regexError(
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character",
        DNS1035_LABEL,
        'my-name',
        'abc-123',
      ),
    );
  }
  return errors;
}

/**
 * apimachinery NameIsDNS*(name, prefix=true): a generateName prefix may end in '-'; like
 * maskTrailingDash, the last two characters are then replaced by 'a' before validating.
 */
function asPrefix(validate: (s: string) => string[]) {
  return (value: string): string[] => validate(value.length > 1 && value.endsWith('-') ? `${value.slice(0, -2)}a` : value);
}

const QUALIFIED_NAME_MESSAGE = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

export function isQualifiedName(value: string): string[] {
  const errors: string[] = [];
  const parts = value.split('/');
  let name: string;
  if (parts.length === 1) {
    name = parts[0] as string;
  } else if (parts.length === 2) {
    const [prefix, rest] = parts as [string, string];
    name = rest;
    if (prefix.length === 0) errors.push('prefix part must be non-empty');
    else for (const message of isDNS1123Subdomain(prefix)) errors.push(`prefix part ${message}`);
  } else {
    return [
      `a qualified name ${regexError(QUALIFIED_NAME_MESSAGE, QUALIFIED_NAME_PART, 'MyName', 'my.name', '123-abc')} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  if (name.length === 0) errors.push('name part must be non-empty');
  else if (name.length > 63) errors.push(`name part ${maxLength(63)}`);
  if (!qualifiedNamePartRe.test(name)) {
    errors.push(`name part ${regexError(QUALIFIED_NAME_MESSAGE, QUALIFIED_NAME_PART, 'MyName', 'my.name', '123-abc')}`);
  }
  return errors;
}

export function isValidLabelValue(value: string): string[] {
  const errors: string[] = [];
  if (value.length > 63) errors.push(maxLength(63));
  if (!labelValueRe.test(value)) {
    errors.push(
      regexError(
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
        LABEL_VALUE,
        'MyValue',
        'my_value',
        '12345',
      ),
    );
  }
  return errors;
}

const UUID = /^(?:[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12})$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function isDate(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

function isDateTime(value: string): boolean {
  const m = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.exec(value);
  if (!m || !isDate(m[1] as string)) return false;
  return Number(m[2]) < 24 && Number(m[3]) < 60 && Number(m[4]) < 61;
}

const check = (ok: (s: string) => boolean, message: string) => (s: string): string[] => (ok(s) ? [] : [message]);

export const NAMED_FORMATS: Record<string, NamedFormat> = {
  dns1123Label: new NamedFormat('DNS1123Label', isDNS1123Label),
  dns1123Subdomain: new NamedFormat('DNS1123Subdomain', isDNS1123Subdomain),
  dns1035Label: new NamedFormat('DNS1035Label', isDNS1035Label),
  qualifiedName: new NamedFormat('QualifiedName', isQualifiedName),
  dns1123LabelPrefix: new NamedFormat('DNS1123LabelPrefix', asPrefix(isDNS1123Label)),
  dns1123SubdomainPrefix: new NamedFormat('DNS1123SubdomainPrefix', asPrefix(isDNS1123Subdomain)),
  dns1035LabelPrefix: new NamedFormat('DNS1035LabelPrefix', asPrefix(isDNS1035Label)),
  labelValue: new NamedFormat('LabelValue', isValidLabelValue),
  uri: new NamedFormat('URI', (s) => {
    try {
      parseURL(s);
      return [];
    } catch (error) {
      return [(error as { summary?: string }).summary?.replace('URL parse error during conversion from string: ', '') ?? String(error)];
    }
  }),
  uuid: new NamedFormat('uuid', check((s) => UUID.test(s), 'does not match the UUID format')),
  byte: new NamedFormat('byte', check((s) => BASE64.test(s), 'invalid base64')),
  date: new NamedFormat('date', check(isDate, 'invalid date')),
  datetime: new NamedFormat('datetime', check(isDateTime, 'invalid datetime')),
};

const F = 'kubernetes.NamedFormat';
const NS = 'portcullis.FormatNamespace';

export const formatLibrary: CelLibrary = {
  name: 'format',
  types: [[F, NamedFormat]],
  namespaces: [['format', NS]],
  functions: [
    [`${F}.validate(string): optional<list<string>>`, (f: NamedFormat, s: string) => {
      const errors = f.validate(s);
      return errors.length === 0 ? Optional.none() : Optional.of(errors);
    }],
    [`${NS}.named(string): optional<${F}>`, (_ns: unknown, name: string) => (Object.hasOwn(NAMED_FORMATS, name) ? Optional.of(NAMED_FORMATS[name]) : Optional.none())],
    ...Object.entries(NAMED_FORMATS).map(([name, f]) => [`${NS}.${name}(): ${F}`, () => f] as const),
  ],
};
