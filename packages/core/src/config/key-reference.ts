/**
 * Key references, in cosign's syntax: a file path (`cosign.key`), `env://VAR` (the key's PEM in a
 * variable), or a KMS URI (`awskms://`, `gcpkms://`, `azurekms://`, `hashivault://`). The key itself
 * never belongs in the configuration.
 */
import { z } from 'zod';
import { suggest } from './suggest';

export const KMS_SCHEMES = ['awskms', 'gcpkms', 'azurekms', 'hashivault'] as const;
export type KmsScheme = (typeof KMS_SCHEMES)[number];

export type KeyReference =
  | { kind: 'file'; path: string }
  | { kind: 'env'; variable: string }
  | { kind: 'kms'; scheme: KmsScheme; uri: string };

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SUPPORTED = 'a file path, env://VARIABLE, awskms://, gcpkms://, azurekms:// or hashivault://';

export function parseKeyReference(text: string): KeyReference | undefined {
  return keyReferenceProblem(text) ? undefined : classify(text);
}

function classify(text: string): KeyReference {
  const scheme = SCHEME.exec(text)?.[1];
  if (scheme === 'env') return { kind: 'env', variable: text.slice('env://'.length) };
  if (scheme) return { kind: 'kms', scheme: scheme as KmsScheme, uri: text };
  return { kind: 'file', path: text };
}

/** Why a string is not a usable key reference (never quoting a pasted key), or undefined. */
export function keyReferenceProblem(text: string): string | undefined {
  if (text.trim().length === 0) return `expected a key reference (${SUPPORTED}), found an empty string`;
  if (text.includes('-----BEGIN')) {
    return 'a key cannot be pasted into the configuration (the file is committed to git); store it in a file or a CI secret and use its path or env://VARIABLE';
  }
  const scheme = SCHEME.exec(text)?.[1];
  if (scheme === undefined) return undefined;
  const rest = text.slice(scheme.length + 3);
  if (scheme === 'env') {
    return ENV_NAME.test(rest) ? undefined : '`env://` needs an environment variable name, e.g. env://COSIGN_KEY';
  }
  if ((KMS_SCHEMES as readonly string[]).includes(scheme)) {
    return rest.length > 0 ? undefined : `\`${scheme}://\` needs the key's location after it`;
  }
  const near = suggest(scheme, ['env', ...KMS_SCHEMES]);
  const hint = near ? `; did you mean \`${near}://\`?` : '';
  return `unsupported key scheme \`${scheme}://\`: expected ${SUPPORTED}${hint}`;
}

export const keyReferenceSchema = z.string().superRefine((text, ctx) => {
  const problem = keyReferenceProblem(text);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});
