import { isIPv4, isIPv6 } from 'node:net';

/**
 * IP addresses as numbers, so ranges are plain comparisons. Written out rather than using net.BlockList because
 * the guard needs to know WHICH range matched (the error names the kind of address) and to look inside IPv6
 * forms that embed an IPv4 address.
 */
export type Family = 4 | 6;

export interface Ip {
  readonly family: Family;
  readonly value: bigint;
}

export interface Cidr {
  readonly family: Family;
  readonly base: bigint;
  readonly prefix: number;
}

const BITS: Record<Family, number> = { 4: 32, 6: 128 };

function parseIpv4(text: string): bigint {
  return text.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

function parseIpv6(text: string): bigint {
  let body = text;
  const groups: number[] = [];
  // A trailing dotted quad (::ffff:1.2.3.4) stands for the last two groups.
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(body)?.[1];
  let tail: number[] = [];
  if (quad !== undefined) {
    const v4 = Number(parseIpv4(quad));
    tail = [v4 >>> 16, v4 & 0xffff];
    body = body.slice(0, -quad.length);
    if (body.endsWith(':') && !body.endsWith('::')) body = body.slice(0, -1);
  }
  const [head = '', rest] = body.split('::') as [string, string | undefined];
  const toGroups = (part: string) => (part === '' ? [] : part.split(':').map((group) => Number.parseInt(group, 16)));
  const left = toGroups(head);
  const right = [...(rest === undefined ? [] : toGroups(rest)), ...tail];
  const missing = 8 - left.length - right.length;
  groups.push(...left, ...(rest === undefined ? [] : Array<number>(missing).fill(0)), ...right);
  return groups.reduce((acc, group) => (acc << 16n) | BigInt(group), 0n);
}

/** Parses a literal address (IPv6 may carry brackets or a zone id); undefined if it is not one. */
export function parseIp(text: string): Ip | undefined {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const address = bare.includes('%') ? bare.slice(0, bare.indexOf('%')) : bare;
  if (isIPv4(address)) return { family: 4, value: parseIpv4(address) };
  if (isIPv6(address)) return { family: 6, value: parseIpv6(address) };
  return undefined;
}

/** Parses `address/prefix`; undefined if malformed or if bits are set below the prefix (likely a typo). */
export function parseCidr(text: string): Cidr | undefined {
  const match = /^([^/]+)\/(\d{1,3})$/.exec(text.trim());
  if (match === null) return undefined;
  const ip = parseIp(match[1] as string);
  const prefix = Number(match[2]);
  if (ip === undefined || match[1]?.includes('%') || prefix > BITS[ip.family]) return undefined;
  const cidr = { family: ip.family, base: ip.value, prefix };
  return (ip.value & ~mask(cidr)) === 0n ? cidr : undefined;
}

function mask(cidr: Pick<Cidr, 'family' | 'prefix'>): bigint {
  const bits = BigInt(BITS[cidr.family]);
  const all = (1n << bits) - 1n;
  return (all >> BigInt(cidr.prefix)) ^ all;
}

export function cidr(text: string): Cidr {
  const parsed = parseCidr(text);
  if (parsed === undefined) throw new Error(`not a CIDR block: ${text}`);
  return parsed;
}

export function contains(block: Cidr, ip: Ip): boolean {
  return block.family === ip.family && (ip.value & mask(block)) === block.base;
}

export function ipv4(value: bigint): Ip {
  return { family: 4, value: value & 0xffff_ffffn };
}
