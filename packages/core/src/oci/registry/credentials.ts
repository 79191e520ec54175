/**
 * Where registry credentials come from, in order: explicit (Shipshape config / environment), then the
 * Docker client's `config.json` (`DOCKER_CONFIG` or ~/.docker): `credHelpers[host]`, `credsStore`, and
 * `auths[host]`. Credential helpers (`docker-credential-<name> get`) are how ECR, GCR/Artifact Registry
 * and ACR log in, so they are run exactly as the Docker CLI runs them.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { ShipshapeError } from '../../errors';
import { loadExeca } from '../../exec/esm';
import { secrets } from '../../exec/secrets';
import { DOCKER_HUB, DOCKER_HUB_API_HOST } from '../reference';

export interface Credentials {
  username?: string;
  password?: string;
  /** An OAuth2 refresh token (`identitytoken` / helper Username `<token>`). */
  identityToken?: string;
  /** A bearer token to send as is (`registrytoken`). */
  registryToken?: string;
  /** Where these came from, for `--verbose` (never the values). */
  source: string;
}

export interface CredentialOptions {
  env?: NodeJS.ProcessEnv;
  /** Credentials given explicitly for a host (config `registries.<host>`). */
  explicit?: (host: string) => Omit<Credentials, 'source'> | undefined;
}

const dockerConfigSchema = z.object({
  auths: z
    .record(
      z.string(),
      z.object({
        auth: z.string().optional(),
        username: z.string().optional(),
        password: z.string().optional(),
        identitytoken: z.string().optional(),
        registrytoken: z.string().optional(),
      }).loose(),
    )
    .optional(),
  credsStore: z.string().optional(),
  credHelpers: z.record(z.string(), z.string()).optional(),
}).loose();
type DockerConfig = z.infer<typeof dockerConfigSchema>;

const helperOutputSchema = z.object({ Username: z.string().optional(), Secret: z.string() }).loose();

/** Docker Hub is keyed by its legacy index URL in config.json. */
const DOCKER_HUB_CONFIG_KEYS = ['https://index.docker.io/v1/', 'index.docker.io', 'docker.io', 'registry-1.docker.io'];

export async function findCredentials(host: string, options: CredentialOptions = {}): Promise<Credentials | undefined> {
  const env = options.env ?? process.env;
  const explicit = options.explicit?.(host);
  if (explicit && (explicit.password || explicit.identityToken || explicit.registryToken)) {
    return register({ ...explicit, source: 'shipshape configuration' });
  }
  const config = await readDockerConfig(env);
  if (!config) return undefined;
  const keys = host === DOCKER_HUB || host === DOCKER_HUB_API_HOST ? DOCKER_HUB_CONFIG_KEYS : [host];

  const helper = keys.map((k) => config.credHelpers?.[k]).find(Boolean) ?? config.credsStore;
  if (helper) {
    const fromHelper = await runCredentialHelper(helper, keys[0]!, env);
    if (fromHelper) return register(fromHelper);
  }
  for (const [key, entry] of Object.entries(config.auths ?? {})) {
    if (!keys.includes(normalizeConfigKey(key))) continue;
    let { username, password } = entry;
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) throw new ShipshapeError('config', `the "auth" entry for ${key} is not base64 of "user:password"`, { where: dockerConfigPath(env) });
      username = decoded.slice(0, colon);
      password = decoded.slice(colon + 1);
    }
    if (password || entry.identitytoken || entry.registrytoken) {
      return register({ username, password, identityToken: entry.identitytoken, registryToken: entry.registrytoken, source: `${dockerConfigPath(env)} auths` });
    }
  }
  return undefined;
}

function register(credentials: Credentials): Credentials {
  secrets.add(credentials.password);
  secrets.add(credentials.identityToken);
  secrets.add(credentials.registryToken);
  if (credentials.username && credentials.password) secrets.add(Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64'));
  return credentials;
}

export function dockerConfigPath(env: NodeJS.ProcessEnv): string {
  return join(env.DOCKER_CONFIG ?? join(env.HOME ?? homedir(), '.docker'), 'config.json');
}

async function readDockerConfig(env: NodeJS.ProcessEnv): Promise<DockerConfig | undefined> {
  const path = dockerConfigPath(env);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ShipshapeError('config', 'the Docker client configuration is not valid JSON', { where: path, hint: 'fix or remove the file, then `docker login` again' });
  }
  const parsed = dockerConfigSchema.safeParse(json);
  if (!parsed.success) {
    throw new ShipshapeError('config', `the Docker client configuration is malformed at ${parsed.error.issues[0]?.path.join('.')}`, { where: path });
  }
  return parsed.data;
}

/** `https://host/v1/`, `http://host`, `host/` → `host`. */
export function normalizeConfigKey(key: string): string {
  if (DOCKER_HUB_CONFIG_KEYS.includes(key)) return key;
  return key.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '');
}

async function runCredentialHelper(helper: string, serverUrl: string, env: NodeJS.ProcessEnv): Promise<Credentials | undefined> {
  const program = `docker-credential-${helper}`;
  const { execa } = await loadExeca();
  const result = await execa(program, ['get'], { input: serverUrl, env, reject: false, timeout: 30_000, extendEnv: false });
  if (result.failed && (result as { code?: string }).code === 'ENOENT') {
    throw new ShipshapeError('config', `the Docker credential helper ${program} is configured for ${serverUrl} but not installed`, {
      hint: `install ${program}, or remove "${helper}" from credHelpers/credsStore in ${dockerConfigPath(env)}`,
    });
  }
  const output = String(result.stdout ?? '');
  if (result.exitCode !== 0) {
    // Helpers say "credentials not found" when there is simply no login for this host.
    if (/not found|no credentials/i.test(`${output} ${result.stderr}`)) return undefined;
    throw new ShipshapeError('tool', `${program} failed for ${serverUrl} (exit ${result.exitCode}): ${secrets.redact(String(result.stderr || output).trim().split('\n').slice(-1)[0] ?? '')}`);
  }
  let parsed;
  try {
    parsed = helperOutputSchema.parse(JSON.parse(output));
  } catch {
    throw new ShipshapeError('tool', `${program} printed something that is not its JSON credential format`);
  }
  secrets.add(parsed.Secret);
  return parsed.Username === '<token>'
    ? { identityToken: parsed.Secret, source: program }
    : { username: parsed.Username, password: parsed.Secret, source: program };
}
