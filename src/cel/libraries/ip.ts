/**
 * Kubernetes IP and CIDR libraries (apiserver `library/ip.go`, `library/cidr.go`), with Go
 * net/netip parsing rules: IPv4 fields without leading zeros, IPv6 with at most one `::`, no
 * zones (`%eth0`), no IPv4-mapped IPv6 addresses (`::ffff:1.2.3.4`). An address is held as a
 * bigint of 32 or 128 bits, which makes masking and containment plain arithmetic.
 */
import { EvaluationError } from '@marcbachmann/cel-js';
import type { CelLibrary } from './library.js';

type Family = 4 | 6;

function fail(message: string): EvaluationError {
  return new EvaluationError({ code: 'invalid_argument', message });
}

export class IPAddress {
  constructor(
    readonly value: bigint,
    readonly family: Family,
  ) {}

  get bits(): number {
    return this.family === 4 ? 32 : 128;
  }

  /** Canonical text: dotted quad, or RFC 5952 IPv6 (as Go's netip.Addr.String). */
  toCelString(): string {
    if (this.family === 4) {
      const v = Number(this.value);
      return [24, 16, 8, 0].map((shift) => (v >>> shift) & 0xff).join('.');
    }
    const groups: number[] = [];
    for (let i = 7; i >= 0; i--) groups.push(Number((this.value >> BigInt(i * 16)) & 0xffffn));
    // longest run (length >= 2) of zero groups, first one on ties
    let bestStart = -1;
    let bestLength = 1;
    for (let i = 0; i < 8; ) {
      if (groups[i] !== 0) {
        i++;
        continue;
      }
      let j = i;
      while (j < 8 && groups[j] === 0) j++;
      if (j - i > bestLength) {
        bestStart = i;
        bestLength = j - i;
      }
      i = j;
    }
    const hex = (list: number[]): string => list.map((g) => g.toString(16)).join(':');
    if (bestStart < 0) return hex(groups);
    return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLength))}`;
  }

  toString(): string {
    return this.toCelString();
  }

  private inPrefix(prefixValue: bigint, prefixBits: number): boolean {
    const shift = BigInt(this.bits - prefixBits);
    return this.value >> shift === prefixValue >> shift;
  }

  isUnspecified(): boolean {
    return this.value === 0n;
  }

  isLoopback(): boolean {
    return this.family === 4 ? this.inPrefix(0x7f000000n, 8) : this.value === 1n;
  }

  isMulticast(): boolean {
    return this.family === 4 ? this.inPrefix(0xe0000000n, 4) : this.inPrefix(0xffn << 120n, 8);
  }

  isLinkLocalMulticast(): boolean {
    if (this.family === 4) return this.inPrefix(0xe0000000n, 24);
    return ((this.value >> 112n) & 0xff0fn) === 0xff02n;
  }

  isLinkLocalUnicast(): boolean {
    return this.family === 4 ? this.inPrefix(0xa9fe0000n, 16) : this.inPrefix(0xfe80n << 112n, 10);
  }

  isGlobalUnicast(): boolean {
    if (this.family === 4 && (this.value === 0n || this.value === 0xffffffffn)) return false;
    return !this.isUnspecified() && !this.isLoopback() && !this.isMulticast() && !this.isLinkLocalUnicast();
  }

  equals(other: IPAddress): boolean {
    return this.family === other.family && this.value === other.value;
  }
}

function parseIPv4(text: string): bigint | string {
  const fields = text.split('.');
  if (fields.length !== 4) return 'IPv4 address too short';
  let value = 0n;
  for (const field of fields) {
    if (field === '') return 'IPv4 field must have at least one digit';
    if (!/^[0-9]+$/.test(field)) return 'unexpected character';
    if (field.length > 1 && field[0] === '0') return 'IPv4 field has octet with leading zero';
    const n = Number(field);
    if (n > 255) return 'IPv4 field has value >255';
    value = (value << 8n) | BigInt(n);
  }
  return value;
}

function parseIPv6(text: string): bigint | string {
  if (text.includes('%')) return 'zone';
  let head = text;
  let tail4: bigint | undefined;
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    const v4 = parseIPv4(text.slice(lastColon + 1));
    if (typeof v4 === 'string') return v4;
    tail4 = v4;
    // keep a '::' that ends right before the IPv4 part; drop a single separating ':'
    head = text[lastColon - 1] === ':' ? text.slice(0, lastColon + 1) : text.slice(0, lastColon);
  }
  const parts = head.split('::');
  if (parts.length > 2) return 'multiple :: in address';
  const parseGroups = (s: string): number[] | string => {
    if (s === '') return [];
    const out: number[] = [];
    for (const g of s.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return g.length > 4 ? 'IPv6 field has value >=2^16' : 'each colon-separated field must have at least one digit';
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const left = parseGroups(parts[0] as string);
  if (typeof left === 'string') return left;
  const right = parts.length === 2 ? parseGroups(parts[1] as string) : [];
  if (typeof right === 'string') return right;
  const wanted = tail4 === undefined ? 8 : 6;
  const present = left.length + right.length;
  let groups: number[];
  if (parts.length === 2) {
    if (present >= wanted) return 'IPv6 address too long';
    groups = [...left, ...new Array<number>(wanted - present).fill(0), ...right];
  } else {
    if (present !== wanted) return present < wanted ? 'IPv6 address too short' : 'IPv6 address too long';
    groups = left;
  }
  let value = 0n;
  for (const g of groups) value = (value << 16n) | BigInt(g);
  if (tail4 !== undefined) value = (value << 32n) | tail4;
  return value;
}

/** Go netip.ParseAddr + the apiserver's extra rules; returns the address or an error message. */
function tryParseIP(text: string): IPAddress | string {
  const quoted = JSON.stringify(text);
  if (text.includes(':')) {
    if (text.includes('%')) return `IP address ${quoted} with zone value is not allowed`;
    const v = parseIPv6(text);
    if (typeof v === 'string') return `IP Address ${quoted} parse error during conversion from string: ParseAddr(${quoted}): ${v}`;
    if (v >> 32n === 0xffffn) return `IPv4-mapped IPv6 address ${quoted} is not allowed`;
    return new IPAddress(v, 6);
  }
  const v = text === '' ? 'unable to parse IP' : parseIPv4(text);
  if (typeof v === 'string') return `IP Address ${quoted} parse error during conversion from string: ParseAddr(${quoted}): ${v}`;
  return new IPAddress(v, 4);
}

export function parseIP(text: string): IPAddress {
  const result = tryParseIP(text);
  if (typeof result === 'string') throw fail(result);
  return result;
}

export class CIDR {
  constructor(
    readonly address: IPAddress,
    readonly prefixLength: number,
  ) {}

  toCelString(): string {
    return `${this.address.toCelString()}/${this.prefixLength}`;
  }

  toString(): string {
    return this.toCelString();
  }

  private maskedValue(value: bigint): bigint {
    const shift = BigInt(this.address.bits - this.prefixLength);
    return (value >> shift) << shift;
  }

  masked(): CIDR {
    return new CIDR(new IPAddress(this.maskedValue(this.address.value), this.address.family), this.prefixLength);
  }

  containsIP(ip: IPAddress): boolean {
    return ip.family === this.address.family && this.maskedValue(ip.value) === this.maskedValue(this.address.value);
  }

  containsCIDR(other: CIDR): boolean {
    return other.address.family === this.address.family && this.prefixLength <= other.prefixLength && this.containsIP(other.address);
  }

  equals(other: CIDR): boolean {
    return this.prefixLength === other.prefixLength && this.address.equals(other.address);
  }
}

function tryParseCIDR(text: string): CIDR | string {
  const prefix = 'network address parse error during conversion from string: network address parse error during conversion from string';
  const quoted = JSON.stringify(text);
  const slash = text.lastIndexOf('/');
  if (slash < 0) return `${prefix}: netip.ParsePrefix(${quoted}): no '/'`;
  const addressText = text.slice(0, slash);
  const bitsText = text.slice(slash + 1);
  if (addressText.includes('%')) return `${prefix}: netip.ParsePrefix(${quoted}): IPv6 zones cannot be present in a prefix`;
  const address = tryParseIP(addressText);
  if (typeof address === 'string') {
    if (address.startsWith('IPv4-mapped')) return `IPv4-mapped IPv6 address ${quoted} is not allowed`;
    return `${prefix}: netip.ParsePrefix(${quoted}): ${address.replace(/^.*?: ParseAddr/, 'ParseAddr')}`;
  }
  if (!/^(0|[1-9][0-9]*)$/.test(bitsText) || Number(bitsText) > address.bits) {
    return `${prefix}: netip.ParsePrefix(${quoted}): bad bits after slash: ${JSON.stringify(bitsText)}`;
  }
  return new CIDR(address, Number(bitsText));
}

export function parseCIDR(text: string): CIDR {
  const result = tryParseCIDR(text);
  if (typeof result === 'string') throw fail(result);
  return result;
}

const IP = 'net.IP';
const CIDR_TYPE = 'net.CIDR';

export const ipLibrary: CelLibrary = {
  name: 'kubernetes.net.ip',
  types: [
    [IP, IPAddress],
    [CIDR_TYPE, CIDR],
  ],
  namespaces: [['ip', 'portcullis.IPNamespace']],
  functions: [
    [`ip(string): ${IP}`, parseIP],
    ['isIP(string): bool', (s: string) => typeof tryParseIP(s) !== 'string'],
    ['portcullis.IPNamespace.isCanonical(string): bool', (_ns: unknown, s: string) => parseIP(s).toCelString() === s],
    [`${IP}.family(): int`, (ip: IPAddress) => BigInt(ip.family)],
    [`${IP}.isUnspecified(): bool`, (ip: IPAddress) => ip.isUnspecified()],
    [`${IP}.isLoopback(): bool`, (ip: IPAddress) => ip.isLoopback()],
    [`${IP}.isLinkLocalMulticast(): bool`, (ip: IPAddress) => ip.isLinkLocalMulticast()],
    [`${IP}.isLinkLocalUnicast(): bool`, (ip: IPAddress) => ip.isLinkLocalUnicast()],
    [`${IP}.isGlobalUnicast(): bool`, (ip: IPAddress) => ip.isGlobalUnicast()],
    [`string(${IP}): string`, (ip: IPAddress) => ip.toCelString()],
    [`cidr(string): ${CIDR_TYPE}`, parseCIDR],
    ['isCIDR(string): bool', (s: string) => typeof tryParseCIDR(s) !== 'string'],
    [`${CIDR_TYPE}.containsIP(string): bool`, (c: CIDR, s: string) => c.containsIP(parseIP(s))],
    [`${CIDR_TYPE}.containsIP(${IP}): bool`, (c: CIDR, ip: IPAddress) => c.containsIP(ip)],
    [`${CIDR_TYPE}.containsCIDR(string): bool`, (c: CIDR, s: string) => c.containsCIDR(parseCIDR(s))],
    [`${CIDR_TYPE}.containsCIDR(${CIDR_TYPE}): bool`, (c: CIDR, other: CIDR) => c.containsCIDR(other)],
    [`${CIDR_TYPE}.ip(): ${IP}`, (c: CIDR) => c.address],
    [`${CIDR_TYPE}.prefixLength(): int`, (c: CIDR) => BigInt(c.prefixLength)],
    [`${CIDR_TYPE}.masked(): ${CIDR_TYPE}`, (c: CIDR) => c.masked()],
    [`string(${CIDR_TYPE}): string`, (c: CIDR) => c.toCelString()],
  ],
  operators: [
    [`${IP} == ${IP}`, (a: IPAddress, b: IPAddress) => a.equals(b)],
    [`${CIDR_TYPE} == ${CIDR_TYPE}`, (a: CIDR, b: CIDR) => a.equals(b)],
  ],
};
