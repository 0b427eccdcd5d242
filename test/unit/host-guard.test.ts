import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DnsHostGuard, type HostGuardOptions, type Resolver } from '../../lambdas/adapters/net/host-guard';

/** A resolver that knows a fixed zone; other names do not exist. */
function zone(records: Record<string, readonly string[]>): Resolver {
  return async (host) => {
    const addresses = records[host];
    if (addresses === undefined) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
}

const noDns: Resolver = async () => {
  throw new Error('literal addresses must not be looked up');
};

const outcome = (options: HostGuardOptions, host: string) =>
  new DnsHostGuard(options).check(host).then(
    () => 'allowed',
    (error: { name: string; message: string }) => `${error.name}: ${error.message}`,
  );

const REFUSED: readonly (readonly [string, string])[] = [
  ['0.0.0.0', 'unspecified'],
  ['::', 'unspecified'],
  ['127.0.0.1', 'loopback'],
  ['127.255.255.254', 'loopback'],
  ['::1', 'loopback'],
  ['169.254.169.254', 'link-local'],
  ['169.254.0.1', 'link-local'],
  ['fe80::1', 'link-local'],
  ['fe80::1%eth0', 'link-local'],
  ['fd00:ec2::254', 'link-local'],
  ['10.1.2.3', 'private'],
  ['172.16.0.1', 'private'],
  ['172.31.255.255', 'private'],
  ['192.168.1.1', 'private'],
  ['100.64.0.1', 'private'],
  ['fc00::1', 'private'],
  ['fd12:3456::1', 'private'],
  ['224.0.0.1', 'multicast'],
  ['ff02::1', 'multicast'],
  ['255.255.255.255', 'broadcast'],
  ['240.0.0.1', 'reserved'],
  ['192.0.2.10', 'reserved'],
  ['2001:db8::1', 'reserved'],
  ['::ffff:127.0.0.1', 'loopback'],
  ['0:0:0:0:0:ffff:7f00:1', 'loopback'],
  ['::ffff:a9fe:a9fe', 'link-local'],
  ['::ffff:10.0.0.1', 'private'],
  ['64:ff9b::a9fe:a9fe', 'link-local'],
  ['64:ff9b::127.0.0.1', 'loopback'],
  ['64:ff9b:1::a00:1', 'reserved'],
  ['2002:a9fe:a9fe::1', 'link-local'],
  ['::127.0.0.1', 'reserved'],
];

const PUBLIC = [
  '93.184.215.14',
  '8.8.8.8',
  '172.32.0.1',
  '100.128.0.1',
  '169.255.0.1',
  '11.0.0.1',
  '2606:4700:4700::1111',
  '::ffff:8.8.8.8',
  '64:ff9b::808:808',
];

describe('DnsHostGuard', () => {
  it.each(REFUSED)('refuses the address %s as %s', async (address, kind) => {
    // Act
    const literal = await outcome({ resolve: noDns }, address);
    const named = await outcome({ resolve: zone({ 'db.example.com': [address] }) }, 'db.example.com');

    // Assess
    expect(literal).toMatch(new RegExp(`^ForbiddenHostError: host .* is an? ${kind} address$`));
    expect(named).toBe(
      `ForbiddenHostError: host db.example.com resolves to ${/^[aeiou]/.test(kind) ? 'an' : 'a'} ${kind} address`,
    );
  });

  it.each(PUBLIC)('allows the public address %s, literally and by name', async (address) => {
    // Act
    const literal = await outcome({ resolve: noDns }, address);
    const named = await outcome({ resolve: zone({ 'db.example.com': [address] }) }, 'db.example.com');

    // Assess
    expect([literal, named]).toEqual(['allowed', 'allowed']);
  });

  it('refuses a name when any one of its addresses is refused, without naming that address', async () => {
    // Prepare
    const resolve = zone({ 'db.example.com': ['93.184.215.14', '2606:4700::1', '10.9.8.7'] });

    // Act
    const result = await outcome({ resolve }, 'db.example.com');

    // Assess
    expect(result).toBe('ForbiddenHostError: host db.example.com resolves to a private address');
    expect(result).not.toContain('10.9.8.7');
  });

  it('allows private addresses inside an allowed CIDR block, and only those', async () => {
    // Prepare
    const options = {
      allowedCidrs: ['10.20.0.0/16', 'fd12:3456::/32', '169.254.0.0/16', 'fd00::/8'],
      resolve: noDns,
    };

    // Act
    const results = await Promise.all(
      [
        '10.20.5.5',
        '::ffff:10.20.5.5',
        'fd12:3456::9',
        '10.21.0.1',
        '169.254.169.254',
        'fd00:ec2::254',
        '127.0.0.1',
      ].map((host) => outcome(options, host)),
    );

    // Assess
    expect(results.map((result) => result.split(' address')[0]?.split(' ').at(-1))).toEqual([
      'allowed',
      'allowed',
      'allowed',
      'private',
      'link-local',
      'link-local',
      'loopback',
    ]);
  });

  it('allows loopback addresses only when told to, and nothing else with them', async () => {
    // Prepare
    const options = { allowLoopback: true, resolve: zone({ 'db.local': ['127.0.0.1', '::1'] }) };

    // Act
    const results = await Promise.all(
      ['db.local', '127.0.0.1', '::1', '::ffff:127.0.0.1', '169.254.169.254', '10.0.0.1', '0.0.0.0'].map((host) =>
        outcome(options, host),
      ),
    );

    // Assess
    expect(results.slice(0, 4)).toEqual(['allowed', 'allowed', 'allowed', 'allowed']);
    expect(results.slice(4)).toEqual([
      'ForbiddenHostError: host 169.254.169.254 is a link-local address',
      'ForbiddenHostError: host 10.0.0.1 is a private address',
      'ForbiddenHostError: host 0.0.0.0 is an unspecified address',
    ]);
  });

  it('refuses to be built with an allowed CIDR block that is not one', () => {
    for (const block of ['nope', '10.0.0.0', '10.0.0.0/33', '10.0.0.1/8', '::/129', '10.0.0.0/8/8', 'fe80::%eth0/64']) {
      // Act
      const build = () => new DnsHostGuard({ allowedCidrs: ['10.0.0.0/8', block] });

      // Assess
      expect(build).toThrow(
        expect.objectContaining({
          name: 'ValidationError',
          fields: [expect.objectContaining({ path: 'allowedCidrs.1' })],
        }),
      );
    }
  });

  it('says clearly when a name does not resolve, and when DNS is failing', async () => {
    // Prepare
    const failing: Resolver = async () => {
      throw Object.assign(new Error('getaddrinfo EAI_AGAIN db.example.com'), { code: 'EAI_AGAIN' });
    };

    // Act
    const unknown = await outcome({ resolve: zone({}) }, 'db.example.com');
    const empty = await outcome({ resolve: zone({ 'db.example.com': [] }) }, 'db.example.com');
    const down = await outcome({ resolve: failing }, 'db.example.com');

    // Assess
    expect(unknown).toBe('ValidationError: host db.example.com does not resolve to an address');
    expect(empty).toBe('ValidationError: host db.example.com does not resolve to an address');
    expect(down).toMatch(/^ServiceUnavailableError: could not resolve host db\.example\.com right now/);
  });

  it('refuses what is not a host name or address, and answers it cannot read', async () => {
    // Act
    const results = await Promise.all(
      ['', 'db example.com', 'http://db.example.com/', 'user@db.example.com', 'a'.repeat(254)].map((host) =>
        outcome({ resolve: zone({}) }, host),
      ),
    );
    const garbled = await outcome({ resolve: zone({ 'db.example.com': ['not-an-address'] }) }, 'db.example.com');

    // Assess
    for (const result of results) expect(result).toMatch(/^ValidationError: host .* is not a host name or address$/);
    expect(garbled).toBe('ForbiddenHostError: host db.example.com resolves to an unrecognised address');
  });

  it('judges every IPv4 address the same in its IPv4-mapped and NAT64 forms', async () => {
    await fc.assert(
      fc.asyncProperty(fc.ipV4(), fc.boolean(), async (address, allowLoopback) => {
        // Prepare
        const options = { allowLoopback, allowedCidrs: ['10.20.0.0/16'], resolve: noDns };
        const verdict = (host: string) => outcome(options, host).then((text) => text.replace(host, 'HOST'));

        // Act
        const [plain, mapped, nat64] = await Promise.all([
          verdict(address),
          verdict(`::ffff:${address}`),
          verdict(`64:ff9b::${address}`),
        ]);

        // Assess
        expect(mapped).toBe(plain);
        expect(nat64).toBe(plain);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses every address of the private IPv4 ranges', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom([10, 0, 8], [172, 16, 12], [192, 168, 16], [100, 64, 10]),
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        async ([a, b, prefix], random) => {
          // Prepare
          const base = ((a as number) * 2 ** 24 + (b as number) * 2 ** 16) >>> 0;
          const value = (base + (random % 2 ** (32 - (prefix as number)))) >>> 0;
          const address = [24, 16, 8, 0].map((shift) => (value >>> shift) & 255).join('.');

          // Act
          const result = await outcome({ resolve: noDns }, address);

          // Assess
          expect(result).toBe(`ForbiddenHostError: host ${address} is a private address`);
        },
      ),
    );
  });

  describe('with the system resolver', () => {
    it('refuses localhost and loopback spellings that only the resolver understands', async () => {
      // Act
      const results = await Promise.all(['localhost', '127.1', '2130706433'].map((host) => outcome({}, host)));

      // Assess
      expect(results).toEqual([
        'ForbiddenHostError: host localhost resolves to a loopback address',
        'ForbiddenHostError: host 127.1 resolves to a loopback address',
        'ForbiddenHostError: host 2130706433 resolves to a loopback address',
      ]);
    });

    it('allows localhost in local mode', async () => {
      // Act
      const result = await outcome({ allowLoopback: true }, 'localhost');

      // Assess
      expect(result).toBe('allowed');
    });
  });
});
