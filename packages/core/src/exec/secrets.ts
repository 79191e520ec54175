/**
 * The one redaction point (DESIGN principle 4). Every secret the process learns — passwords, tokens,
 * key material — is registered here, and the logger, tool output and error messages pass through
 * `redact` before anyone sees them.
 */

/** Environment variables whose values are secret wherever they appear. */
export const SECRET_ENV_VARS = [
  'COSIGN_PASSWORD',
  'COSIGN_KEY',
  'COSIGN_PRIVATE_KEY',
  'SIGSTORE_ID_TOKEN',
  'ACTIONS_ID_TOKEN_REQUEST_TOKEN',
  'ACTIONS_RUNTIME_TOKEN',
  'CIRCLE_OIDC_TOKEN',
  'CIRCLE_OIDC_TOKEN_V2',
  'DEFECTDOJO_API_KEY',
  'DOCKER_PASSWORD',
  'REGISTRY_PASSWORD',
  'REGISTRY_TOKEN',
  'GITHUB_TOKEN',
  'GH_TOKEN',
  'CI_JOB_TOKEN',
  'CI_REGISTRY_PASSWORD',
  'GRYPE_REGISTRY_AUTH_PASSWORD',
  'GRYPE_REGISTRY_AUTH_TOKEN',
  'SYFT_REGISTRY_AUTH_PASSWORD',
  'SYFT_REGISTRY_AUTH_TOKEN',
  'TRIVY_PASSWORD',
  'TRIVY_REGISTRY_TOKEN',
  'SHIPSHAPE_REGISTRY_PASSWORD',
] as const;

export const REDACTED = '***';

/** Shorter values would mask ordinary words; secrets that short are not secrets worth the name. */
const MIN_SECRET_LENGTH = 3;

export class SecretRegistry {
  private readonly values = new Set<string>();
  private pattern: RegExp | undefined;

  /** Registers a secret and the encodings it is commonly seen in (JSON, URL, base64). */
  add(secret: string | undefined | null): void {
    if (!secret || secret.length < MIN_SECRET_LENGTH) return;
    const forms = [
      secret,
      JSON.stringify(secret).slice(1, -1),
      encodeURIComponent(secret),
      Buffer.from(secret).toString('base64').replace(/=+$/, ''),
    ];
    // Multi-line secrets (PEM keys) are also masked line by line, since tools print them that way.
    for (const line of secret.split(/\r?\n/)) if (line.trim().length >= 16) forms.push(line.trim());
    let changed = false;
    for (const form of forms) {
      if (form.length >= MIN_SECRET_LENGTH && !this.values.has(form)) {
        this.values.add(form);
        changed = true;
      }
    }
    if (changed) this.pattern = undefined;
  }

  /** Registers the values of every known secret variable present in `env`. */
  addFromEnv(env: NodeJS.ProcessEnv = process.env): void {
    for (const name of SECRET_ENV_VARS) this.add(env[name]);
  }

  has(secret: string): boolean {
    return this.values.has(secret);
  }

  redact(text: string): string {
    if (this.values.size === 0 || text.length === 0) return text;
    this.pattern ??= new RegExp(
      [...this.values]
        .sort((a, b) => b.length - a.length) // longest first, so a secret containing another is masked whole
        .map(escapeRegExp)
        .join('|'),
      'g',
    );
    return text.replace(this.pattern, REDACTED);
  }

  /** Deep-redacts strings inside JSON-like data (reports, results printed with --output json). */
  redactValue<T>(value: T): T {
    if (typeof value === 'string') return this.redact(value) as T;
    if (Array.isArray(value)) return value.map((v) => this.redactValue(v)) as T;
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.redactValue(v)])) as T;
    }
    return value;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The process-wide registry: secrets from the environment are known from the start. */
export const secrets = new SecretRegistry();
secrets.addFromEnv();
