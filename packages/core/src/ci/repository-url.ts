/**
 * Repository URLs as CI systems hand them out: `git@host:org/repo.git`, `ssh://git@host/org/repo`,
 * and clone URLs with credentials in them (GitLab's `CI_REPOSITORY_URL` carries the job token as
 * `gitlab-ci-token:<token>@`). We keep one browsable form and never keep a credential: any password
 * or token found in a URL is stripped and registered as a secret, so it is masked wherever it shows up.
 */
import { pathToFileURL } from 'node:url';
import { SecretRegistry, secrets as processSecrets } from '../exec/secrets';

/** Usernames that are really tokens: GitHub and GitLab token prefixes, or long opaque strings. */
const TOKEN_PREFIXES = ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_', 'github_pat_', 'glpat-', 'gldt-', 'glcbt-'];
const SECRET_QUERY_KEY = /token|key|secret|passw|auth|sig/i;

function looksLikeToken(username: string): boolean {
  return TOKEN_PREFIXES.some((p) => username.startsWith(p)) || (username.length >= 20 && /^[\w.~-]+$/.test(username));
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Registers the secret parts of a URL's userinfo (`user:password` or a token used as the user name). */
function registerUserinfo(username: string, password: string, registry: SecretRegistry): void {
  if (password) {
    registry.add(password);
    registry.add(safeDecode(password));
  } else if (username && looksLikeToken(safeDecode(username))) {
    registry.add(username);
    registry.add(safeDecode(username));
  }
}

/**
 * Removes `user:password@` from every URL inside `text` (any scheme), registering what was removed.
 * For values we keep verbatim, such as the provider variables in `CiContext.raw`.
 */
export function stripUrlCredentials(text: string, registry: SecretRegistry = processSecrets): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#@]+)@/gi, (_match, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(':');
    const username = colon < 0 ? userinfo : userinfo.slice(0, colon);
    const password = colon < 0 ? '' : userinfo.slice(colon + 1);
    registerUserinfo(username, password, registry);
    return scheme;
  });
}

/** `[user@]host:path` — git's scp-like syntax; no scheme, and no slash before the colon. */
const SCP_LIKE = /^(?:[^@/\s:]+@)?(\[[^\]]+\]|[^@/\s:]+):(?!\/\/)(.+)$/;

function trimRepositoryPath(path: string): string {
  return path.replace(/\/+$/, '').replace(/\.git$/, '').replace(/\/+$/, '');
}

/**
 * Normalizes a repository URL for the CI context and provenance:
 * - https (or http) stays, minus credentials, query, fragment, trailing slash and `.git`;
 * - `git@host:org/repo.git` and `ssh://git@host/org/repo.git` become `https://host/org/repo`,
 *   since forges serve the same path over https; an ssh URL with a non-default port stays ssh
 *   (the https port cannot be guessed), without its user;
 * - an absolute local path becomes a `file://` URL;
 * - anything else that does not parse gives `undefined`.
 */
export function normalizeRepositoryUrl(input: string | undefined, registry: SecretRegistry = processSecrets): string | undefined {
  const value = input?.trim();
  if (!value) return undefined;

  if (!value.includes('://')) {
    if (value.startsWith('/')) return pathToFileURL(value).href.replace(/\/+$/, '');
    const scp = SCP_LIKE.exec(value);
    if (!scp) return undefined;
    const [, host, path] = scp;
    // `host:/srv/repo.git` is an absolute path on the ssh host: no https equivalent to assume.
    if (path.startsWith('/')) return `ssh://${host.toLowerCase()}${trimRepositoryPath(path)}`;
    return toUrlString('https:', host.toLowerCase(), `/${trimRepositoryPath(path)}`);
  }

  let url: URL;
  try {
    url = new URL(value);
  } catch {
    // Unparseable but possibly carrying credentials: make sure they are registered before giving up.
    stripUrlCredentials(value, registry);
    return undefined;
  }
  registerUserinfo(url.username, url.password, registry);
  for (const [key, param] of url.searchParams) if (SECRET_QUERY_KEY.test(key)) registry.add(param);

  const protocol = url.protocol.toLowerCase();
  if (protocol === 'file:') return `file://${url.host}${url.pathname.replace(/\/+$/, '')}`;
  const path = trimRepositoryPath(url.pathname);
  if (protocol === 'https:' || protocol === 'http:') return toUrlString(protocol, url.host, path);
  if (protocol === 'ssh:' || protocol === 'git+ssh:' || protocol === 'ssh+git:') {
    if (url.port === '' || url.port === '22') return toUrlString('https:', url.hostname, path);
    return toUrlString('ssh:', url.host, path);
  }
  // git://, and schemes we do not know: keep the scheme, drop what could be secret.
  return toUrlString(protocol, url.host, path);
}

function toUrlString(protocol: string, host: string, path: string): string | undefined {
  if (!host) return undefined;
  const candidate = `${protocol}//${host}${path}`;
  try {
    new URL(candidate);
    return candidate;
  } catch {
    return undefined;
  }
}
