import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ApiClient } from '../client';
import { configPath, loadProfile, removeProfile, saveProfile } from '../config';
import type { Context } from '../context';
import { CliError, EXIT, note, print, readStdin, usageError } from '../io';
import { printObject } from '../output';

/** The token's claims, decoded without verification (the API verifies; this only shows who the CLI calls as). */
function claims(token: string): Record<string, unknown> {
  const payload = token.split('.')[1];
  if (!payload) throw new CliError('the saved token is not a JWT', EXIT.auth);
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
}

function identity(token: string) {
  const c = claims(token);
  return {
    subject: c.sub ?? null,
    tenant: c['strongbox:tenant'] ?? c['custom:tenant'] ?? null,
    roles: c['strongbox:roles'] ?? c['cognito:groups'] ?? [],
    expiresAt: typeof c.exp === 'number' ? new Date(c.exp * 1000).toISOString() : null,
  };
}

/**
 * `strongbox login --api URL --token T | --token-stdin`, or `strongbox login --local [principal]` (local mode: the URL
 * and the principal's token from .strongbox/local.json). The token is checked against the API before it is saved.
 */
export async function login(context: Context): Promise<void> {
  const { flags, io } = context;
  let apiUrl = flags.api;
  let token = flags.token;
  if (flags.local) {
    const file = resolve(io.cwd, flags['local-file'] ?? '.strongbox/local.json');
    if (!existsSync(file)) throw usageError(`${file} does not exist: start the local service with npm start`);
    const local = JSON.parse(readFileSync(file, 'utf8')) as { apiUrl: string; tokens: Record<string, string> };
    const principal = context.args[0] ?? 'acme';
    token = local.tokens[principal];
    if (!token) throw usageError(`no local principal "${principal}" (${Object.keys(local.tokens).join(', ')})`);
    apiUrl = local.apiUrl;
  } else if (flags['token-stdin']) {
    token = await readStdin(io);
  }
  if (!apiUrl || !token) throw usageError('login needs --api URL and --token TOKEN (or --token-stdin), or --local');
  const client = new ApiClient(apiUrl.replace(/\/+$/, ''), token.trim());
  await client.get('/v1/openapi.json');
  const profile = flags.profile ?? 'default';
  const path = saveProfile(io, profile, { apiUrl: client.apiUrl, token: token.trim() });
  const who = identity(token);
  if (context.json) print(io, JSON.stringify({ profile, apiUrl: client.apiUrl, ...who, config: path }));
  else
    print(
      io,
      `Logged in to ${client.apiUrl} as ${String(who.subject)} (${String(who.tenant ?? 'no tenant')}; ${JSON.stringify(who.roles)}), profile "${profile}"`,
    );
}

export async function logout(context: Context): Promise<void> {
  const profile = context.flags.profile ?? 'default';
  const removed = removeProfile(context.io, profile);
  note(
    context.io,
    removed ? `Logged out (profile "${profile}")` : `No profile "${profile}" in ${configPath(context.io)}`,
  );
}

export async function whoami(context: Context): Promise<void> {
  const profile = context.flags.profile ?? 'default';
  const { apiUrl, token } = loadProfile(context.io, profile, context.flags);
  printObject(context.io, context.json, { profile, apiUrl, ...identity(token) });
}
