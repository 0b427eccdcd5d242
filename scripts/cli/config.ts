import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { CliError, EXIT, type Io } from './io';

/** Where `strongbox login` keeps API URLs and tokens: one profile per name, the file readable by its owner only. */
export interface Profile {
  readonly apiUrl: string;
  readonly token: string;
}

interface ConfigFile {
  profiles: Record<string, Profile>;
}

export function configPath(io: Io): string {
  return io.env.STRONGBOX_CONFIG ?? join(homedir(), '.config', 'strongbox', 'config.json');
}

function read(io: Io): ConfigFile {
  const path = configPath(io);
  if (!existsSync(path)) return { profiles: {} };
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<ConfigFile>;
  return { profiles: parsed.profiles ?? {} };
}

export function saveProfile(io: Io, name: string, profile: Profile): string {
  const path = configPath(io);
  const config = read(io);
  config.profiles[name] = profile;
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  return path;
}

export function removeProfile(io: Io, name: string): boolean {
  const config = read(io);
  if (!(name in config.profiles)) return false;
  delete config.profiles[name];
  writeFileSync(configPath(io), `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  return true;
}

/** The profile to call the API with: flags first, then STRONGBOX_API_URL/STRONGBOX_TOKEN, then the saved profile. */
export function loadProfile(io: Io, name: string, flags: { api?: string; token?: string }): Profile {
  const saved = read(io).profiles[name];
  const apiUrl = flags.api || io.env.STRONGBOX_API_URL || saved?.apiUrl;
  const token = flags.token || io.env.STRONGBOX_TOKEN || saved?.token;
  if (!apiUrl || !token) {
    throw new CliError(`not logged in (profile "${name}"): run strongbox login`, EXIT.auth);
  }
  return { apiUrl: apiUrl.replace(/\/+$/, ''), token };
}
