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
/** Single lines of a multi-line secret are masked from this length (a PEM body line is 64). */
const MIN_LINE_LENGTH = 16;
/** Encoded fragments shorter than this match too much unrelated base64 to be worth masking. */
const MIN_ENCODED_LENGTH = 6;
/** `-----BEGIN ... KEY-----` lines are not secret, and masking them hides what was printed. */
const PEM_ARMOUR = /^-----(BEGIN|END) [A-Z0-9 ]+-----$/;

/** Whether a variable's name says it holds a secret: the known names, and *PASSWORD*, *TOKEN*, *SECRET*, ... */
export function isSecretEnvName(name: string): boolean {
  if ((SECRET_ENV_VARS as readonly string[]).includes(name)) return true;
  return /PASSWORD|PASSWD|PASSPHRASE|TOKEN|SECRET|API_?KEY|PRIVATE_?KEY/i.test(name) && !/_(URL|URI|FILE|PATH)$/i.test(name);
}

export class SecretRegistry {
  private readonly values = new Set<string>();
  private pattern: RegExp | undefined;

  /**
   * Registers a secret and the encodings it is commonly printed in: JSON string escaping (also Go's,
   * which writes <, > and & as \u003c, \u003e, \u0026), URL encoding, and base64 at each of the three
   * byte alignments it can have inside a longer base64 text (a docker `auth` of `user:password`).
   * A multi-line secret (a PEM key) is also registered line by line, since tools print it that way.
   */
  add(secret: string | undefined | null): void {
    if (!secret || secret.length < MIN_SECRET_LENGTH) return;
    const json = JSON.stringify(secret).slice(1, -1);
    const forms = [
      secret,
      json,
      goJsonEscape(json),
      encodeURIComponent(secret),
      ...base64Forms(secret),
    ];
    for (const line of secret.split(/\r?\n/)) {
      const trimmed = line.trim();
      if (trimmed.length >= MIN_LINE_LENGTH && !PEM_ARMOUR.test(trimmed)) forms.push(trimmed);
    }
    let changed = false;
    for (const form of forms) {
      if (form.length >= MIN_SECRET_LENGTH && !this.values.has(form)) {
        this.values.add(form);
        changed = true;
      }
    }
    if (changed) this.pattern = undefined;
  }

  /** Registers each value (e.g. every password in a docker config). */
  addAll(values: Iterable<string | undefined | null>): void {
    for (const value of values) this.add(value);
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

/** Go's encoding/json escapes HTML-significant characters by default; cosign and trivy print JSON that way. */
function goJsonEscape(json: string): string {
  return json.replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

/**
 * The secret's base64 (and base64url) text at byte offsets 0, 1 and 2 of an enclosing encoding, keeping
 * only the characters fully determined by the secret's own bytes: those are what appears in the middle
 * of a longer base64 text, whatever surrounds the secret.
 */
function base64Forms(secret: string): string[] {
  const bytes = Buffer.from(secret);
  const forms: string[] = [];
  for (let shift = 0; shift < 3; shift++) {
    const encoded = Buffer.concat([Buffer.alloc(shift), bytes]).toString('base64');
    const determined = encoded.slice(Math.ceil((shift * 8) / 6), Math.floor(((shift + bytes.length) * 8) / 6));
    if (determined.length >= MIN_ENCODED_LENGTH) forms.push(determined);
    // The secret encoded on its own, as a tool prints it: kept whole, however short.
    if (shift === 0) forms.push(encoded.replace(/=+$/, ''));
  }
  return forms.flatMap((form) => [form, form.replace(/\+/g, '-').replace(/\//g, '_')]);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The process-wide registry: secrets from the environment are known from the start. */
export const secrets = new SecretRegistry();
secrets.addFromEnv();
