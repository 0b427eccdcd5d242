import { lookup } from 'node:dns/promises';
import { ForbiddenHostError, ServiceUnavailableError, ValidationError } from '../../domain/errors';
import type { HostGuard } from '../../ports/jobs';
import { type Cidr, cidr, contains, type Ip, ipv4, parseCidr, parseIp } from './cidr';

export type AddressKind =
  | 'unspecified'
  | 'loopback'
  | 'link-local'
  | 'private'
  | 'multicast'
  | 'broadcast'
  | 'reserved';

export interface ResolvedAddress {
  readonly address: string;
  readonly family: number;
}

/** Every address a name resolves to (like `dns.lookup(host, { all: true })`). */
export type Resolver = (host: string) => Promise<readonly ResolvedAddress[]>;

export interface HostGuardOptions {
  /** Local mode only: sources on 127.0.0.1 / ::1. */
  readonly allowLoopback?: boolean;
  /** Private networks sources may live in (STRONGBOX_ALLOWED_SOURCE_CIDRS). Exempts private addresses only. */
  readonly allowedCidrs?: readonly string[];
  readonly resolve?: Resolver;
}

interface Rule {
  readonly block: Cidr;
  readonly kind?: AddressKind;
  /** For IPv6 forms that carry an IPv4 address: the verdict is the embedded address's. */
  readonly embedded?: (value: bigint) => Ip;
}

const rule = (block: string, kind: AddressKind): Rule => ({ block: cidr(block), kind });
const embeds = (block: string, embedded: (value: bigint) => Ip): Rule => ({ block: cidr(block), embedded });

/** First match wins, so the more specific and less forgivable ranges come first. */
const RULES: readonly Rule[] = [
  rule('0.0.0.0/8', 'unspecified'),
  rule('127.0.0.0/8', 'loopback'),
  rule('169.254.0.0/16', 'link-local'), // includes the instance metadata service, 169.254.169.254
  rule('10.0.0.0/8', 'private'),
  rule('172.16.0.0/12', 'private'),
  rule('192.168.0.0/16', 'private'),
  rule('100.64.0.0/10', 'private'), // carrier-grade NAT / shared address space
  rule('192.0.0.0/24', 'reserved'),
  rule('192.0.2.0/24', 'reserved'),
  rule('198.18.0.0/15', 'reserved'),
  rule('198.51.100.0/24', 'reserved'),
  rule('203.0.113.0/24', 'reserved'),
  rule('224.0.0.0/4', 'multicast'),
  rule('255.255.255.255/32', 'broadcast'),
  rule('240.0.0.0/4', 'reserved'),
  rule('::/128', 'unspecified'),
  rule('::1/128', 'loopback'),
  embeds('::ffff:0:0/96', ipv4), // IPv4-mapped
  embeds('64:ff9b::/96', ipv4), // NAT64 well-known prefix
  rule('64:ff9b:1::/48', 'reserved'), // NAT64 local use
  rule('::/8', 'reserved'), // IPv4-compatible, IPv4-translated and the rest of the reserved block
  rule('100::/64', 'reserved'),
  rule('2001:db8::/32', 'reserved'),
  embeds('2001::/32', (value) => ipv4(~value)), // Teredo: the client's IPv4 address, bit-inverted
  embeds('2002::/16', (value) => ipv4(value >> 80n)), // 6to4
  rule('fe80::/10', 'link-local'),
  rule('fec0::/10', 'reserved'),
  rule('fd00:ec2::/32', 'link-local'), // instance metadata over IPv6 (fd00:ec2::254), before fc00::/7
  rule('fc00::/7', 'private'),
  rule('ff00::/8', 'multicast'),
];

/** The kind of a non-public address, with the address the verdict is about; undefined for public ones. */
export function classify(ip: Ip): { kind: AddressKind; ip: Ip } | undefined {
  for (const candidate of RULES) {
    if (!contains(candidate.block, ip)) continue;
    if (candidate.embedded !== undefined) return classify(candidate.embedded(ip.value));
    return { kind: candidate.kind as AddressKind, ip };
  }
  return undefined;
}

const NOT_FOUND_CODES = new Set(['ENOTFOUND', 'ENODATA', 'EAI_NONAME', 'EAI_NODATA', 'NOTFOUND', 'NODATA']);

const defaultResolver: Resolver = (host) => lookup(host, { all: true });

/**
 * The SSRF guard (DESIGN.md §9 S5): a source host is refused when ANY address it resolves to is not a public
 * unicast address — a name that resolves to a private address is as dangerous as the address itself. Messages
 * name the host and the kind of address, never the address a name resolved to (that would let a tenant map
 * internal DNS). The check happens before connecting; it does not pin the address for the later connection.
 */
export class DnsHostGuard implements HostGuard {
  private readonly allowLoopback: boolean;
  private readonly allowed: readonly Cidr[];
  private readonly resolve: Resolver;

  constructor(options: HostGuardOptions = {}) {
    this.allowLoopback = options.allowLoopback ?? false;
    this.resolve = options.resolve ?? defaultResolver;
    this.allowed = (options.allowedCidrs ?? []).map((text, index) => {
      const parsed = parseCidr(text);
      if (parsed === undefined) {
        throw new ValidationError(`allowed source CIDR ${JSON.stringify(text)} is not a CIDR block`, [
          { path: `allowedCidrs.${index}`, message: 'is not a CIDR block (address/prefix, no host bits set)' },
        ]);
      }
      return parsed;
    });
  }

  async check(host: string): Promise<void> {
    await this.resolveChecked(host);
  }

  /**
   * The same checks as `check`, returning the addresses that passed, so a caller can connect to exactly one of them
   * (the webhook sender does: a name checked here and resolved again by the HTTP client could change in between).
   */
  async resolveChecked(host: string): Promise<ResolvedAddress[]> {
    if (host.length === 0 || host.length > 253 || /[\s/@]/.test(host)) {
      throw new ValidationError(`host ${JSON.stringify(host.slice(0, 64))} is not a host name or address`, [
        { path: 'host', message: 'is not a host name or address' },
      ]);
    }
    const literal = parseIp(host);
    const resolved: readonly ResolvedAddress[] =
      literal === undefined ? await this.addressesOf(host) : [{ address: host, family: host.includes(':') ? 6 : 4 }];
    for (const entry of resolved) {
      const address = literal ?? parseIp(entry.address);
      const kind = address === undefined ? 'unrecognised' : this.refusedKind(address);
      if (kind === undefined) continue;
      const verb = literal === undefined ? 'resolves to' : 'is';
      throw new ForbiddenHostError(`host ${host} ${verb} ${article(kind)} ${kind} address`, {
        fields: [{ path: 'host', message: `${verb} ${article(kind)} ${kind} address` }],
      });
    }
    return [...resolved];
  }

  private refusedKind(ip: Ip): AddressKind | undefined {
    const verdict = classify(ip);
    if (verdict === undefined) return undefined;
    if (verdict.kind === 'loopback' && this.allowLoopback) return undefined;
    if (verdict.kind === 'private' && this.allowed.some((block) => contains(block, verdict.ip))) return undefined;
    return verdict.kind;
  }

  /** Every address the name resolves to (at least one). */
  private async addressesOf(host: string): Promise<readonly ResolvedAddress[]> {
    let resolved: readonly ResolvedAddress[];
    try {
      resolved = await this.resolve(host);
    } catch (error) {
      const code = String((error as { code?: unknown }).code);
      if (!NOT_FOUND_CODES.has(code)) {
        throw new ServiceUnavailableError(`could not resolve host ${host} right now (${code}); try again`);
      }
      resolved = [];
    }
    if (resolved.length === 0) {
      throw new ValidationError(`host ${host} does not resolve to an address`, [
        { path: 'host', message: 'does not resolve to an address' },
      ]);
    }
    return resolved;
  }
}

function article(kind: string): string {
  return /^[aeiou]/.test(kind) ? 'an' : 'a';
}
