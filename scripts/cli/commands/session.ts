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
  try {
    if (!payload) throw new Error('no payload');
    return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new CliError('the token is not a JWT (header.payload.signature)', EXIT.auth);
  }
}

const strings = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);

/** Who the token names, read the way the API's verifier reads it (strongbox:* claims, or Cognito's). */
function identity(token: string) {
  const c = claims(token);
  return {
    subject: c.sub ?? null,
    tenant: c['strongbox:tenant'] ?? c['custom:tenant'] ?? null,
    roles: [...new Set([...strings(c['strongbox:roles']), ...strings(c['cognito:groups'])])],
    expiresAt: typeof c.exp === 'number' ? new Date(c.exp * 1000).toISOString() : null,
  };
}

/** The URL and token of a local-mode principal, from the local.json `npm start` writes. */
function localLogin(context: Context): { apiUrl: string; token: string } {
  const { flags, io } = context;
  const file = resolve(io.cwd, flags['local-file'] ?? '.strongbox/local.json');
  if (!existsSync(file)) throw usageError(`${file} does not exist: start the local service with npm start`);
  const local = JSON.parse(readFileSync(file, 'utf8')) as { apiUrl?: string; tokens?: Record<string, string> };
  const principal = context.args[0] ?? 'acme';
  const token = local.tokens?.[principal];
  if (!token || !local.apiUrl) {
    throw usageError(`no local principal "${principal}" in ${file} (${Object.keys(local.tokens ?? {}).join(', ')})`);
  }
  return { apiUrl: local.apiUrl, token };
}

/**
 * `strongbox login --api URL --token T | --token-stdin`, or `strongbox login --local [principal]` (local mode: the URL
 * and the principal's token from .strongbox/local.json). The token is checked against the API before it is saved:
 * GET /v1/sources?limit=1 (an operator without --tenant: GET /v1/tenants?limit=1, since tenant routes need one).
 */
export async function login(context: Context): Promise<void> {
  const { flags, io } = context;
  let apiUrl = flags.api;
  let token = flags.token;
  if (flags.local) ({ apiUrl, token } = localLogin(context));
  else if (flags['token-stdin']) token = await readStdin(io);
  token = token?.trim();
  if (!apiUrl || !token) throw usageError('login needs --api URL and --token-stdin (or --token TOKEN), or --local');
  const who = identity(token);
  const client = new ApiClient(apiUrl.replace(/\/+$/, ''), token, flags.tenant);
  const operatorOnly = who.roles.includes('operator') && !flags.tenant;
  await client.get(operatorOnly ? '/v1/tenants?limit=1' : '/v1/sources?limit=1');
  const profile = flags.profile ?? 'default';
  const path = saveProfile(io, profile, { apiUrl: client.apiUrl, token });
  if (context.json) {
    print(io, JSON.stringify({ profile, apiUrl: client.apiUrl, ...who, config: path }));
    return;
  }
  const tenant = String(who.tenant ?? 'no tenant');
  print(
    io,
    `Logged in to ${client.apiUrl} as ${String(who.subject)} (${tenant}; ${who.roles.join(', ')}), profile "${profile}"`,
  );
}

export async function logout(context: Context): Promise<void> {
  const profile = context.flags.profile ?? 'default';
  const removed = removeProfile(context.io, profile);
  if (context.json) print(context.io, JSON.stringify({ profile, removed }));
  else
    note(
      context.io,
      removed ? `Logged out (profile "${profile}")` : `No profile "${profile}" in ${configPath(context.io)}`,
    );
}

/** The profile's API URL and the token's claims; never the token itself. */
export async function whoami(context: Context): Promise<void> {
  const profile = context.flags.profile ?? 'default';
  const { apiUrl, token } = loadProfile(context.io, profile, context.flags);
  printObject(context.io, context.json, { profile, apiUrl, ...identity(token) });
}
