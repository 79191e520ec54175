/**
 * The integration-test environment, as tools/test-env/up.sh hands it to the tests through
 * environment variables: two real registries on 127.0.0.1 (plain HTTP; TLS with a self-signed CA
 * and basic auth) and reproducible fixture images pushed to both and kept as OCI layouts.
 * Test-only: this directory is excluded from the build.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';

/** The repository root (packages/core/src/test-support → four levels up). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..');

export const SETUP_HINT =
  'run the tests with `bash tools/test.sh`, or run `bash tools/test-env/up.sh` and then ' +
  '`source tmp/test-env/env.sh` in the shell you run the tests from';

const hostPort = z.string().regex(/^[^\s/:]+:\d{1,5}$/, 'expected HOST:PORT');
const absolutePath = z.string().refine((p) => path.isAbsolute(p), 'expected an absolute path');

/** The variables up.sh writes to env.sh / env.json. */
export const testEnvVarsSchema = z.object({
  SHIPSHAPE_TEST_REGISTRY: hostPort,
  SHIPSHAPE_TEST_TLS_REGISTRY: hostPort,
  SHIPSHAPE_TEST_TLS_USERNAME: z.string().min(1),
  SHIPSHAPE_TEST_TLS_PASSWORD: z.string().min(1),
  SHIPSHAPE_TEST_TLS_CA: absolutePath,
  SHIPSHAPE_TEST_TLS_CERT_DIR: absolutePath.optional(),
  SHIPSHAPE_TEST_DOCKER_CONFIG: absolutePath.optional(),
  SHIPSHAPE_TEST_ENV_DIR: absolutePath,
  SHIPSHAPE_TEST_IMAGES: absolutePath,
  SHIPSHAPE_FIXTURES: absolutePath,
});
export type TestEnvVars = z.infer<typeof testEnvVarsSchema>;

export interface TestEnv {
  /** HOST:PORT of the plain-HTTP, anonymous registry. */
  registry: string;
  /** HOST:PORT of the HTTPS registry with basic auth. */
  tlsRegistry: string;
  tlsUsername: string;
  /** A secret: never print it; register it with the `secrets` registry where code could log it. */
  tlsPassword: string;
  /** Path of the CA certificate (PEM) the TLS registry's certificate chains to. */
  tlsCaFile: string;
  /** The CA certificate itself (PEM). */
  tlsCaPem: string;
  /** A directory holding only `ca.crt` (the layout containers' `certs.d` and skopeo's `--cert-dir` expect). */
  tlsCertDir?: string;
  /** A DOCKER_CONFIG directory whose config.json holds `auths` for the TLS registry. */
  dockerConfigDir?: string;
  /** The state directory: registry data and logs, OCI layouts, env files. */
  envDir: string;
  /** Path of the JSON file describing the fixture images. */
  imagesFile: string;
  /** Absolute path of the shared fixtures (real files made by third-party tools). */
  fixturesDir: string;
}

/** The test environment, validated; throws one clear message when it is not set up. */
export function testEnv(env: NodeJS.ProcessEnv = process.env): TestEnv {
  if (!env.SHIPSHAPE_TEST_REGISTRY) {
    throw new Error(`The integration-test environment is not set up (SHIPSHAPE_TEST_REGISTRY is not set): ${SETUP_HINT}.`);
  }
  const vars = parseTestEnvVars(env, 'the environment');
  return {
    registry: vars.SHIPSHAPE_TEST_REGISTRY,
    tlsRegistry: vars.SHIPSHAPE_TEST_TLS_REGISTRY,
    tlsUsername: vars.SHIPSHAPE_TEST_TLS_USERNAME,
    tlsPassword: vars.SHIPSHAPE_TEST_TLS_PASSWORD,
    tlsCaFile: vars.SHIPSHAPE_TEST_TLS_CA,
    tlsCaPem: readTestFile(vars.SHIPSHAPE_TEST_TLS_CA, 'SHIPSHAPE_TEST_TLS_CA'),
    tlsCertDir: vars.SHIPSHAPE_TEST_TLS_CERT_DIR,
    dockerConfigDir: vars.SHIPSHAPE_TEST_DOCKER_CONFIG,
    envDir: vars.SHIPSHAPE_TEST_ENV_DIR,
    imagesFile: vars.SHIPSHAPE_TEST_IMAGES,
    fixturesDir: vars.SHIPSHAPE_FIXTURES,
  };
}

/** Validates the variables (from process.env or env.json); `source` names where they came from. */
export function parseTestEnvVars(data: unknown, source: string): TestEnvVars {
  const parsed = testEnvVarsSchema.safeParse(data);
  if (!parsed.success) {
    // Only field names and problems: a message never carries a value (one of them is a password).
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`The integration-test environment in ${source} is incomplete or invalid (${problems}): ${SETUP_HINT}.`);
  }
  return parsed.data;
}

const digest = z.string().regex(/^sha256:[0-9a-f]{64}$/, 'expected sha256:<64 hex>');

export const fixturePlatformSchema = z.object({
  os: z.string().min(1),
  architecture: z.string().min(1),
  /** Digest of this platform's image manifest (the image's own digest for a single-platform image). */
  digest,
  mediaType: z.string().min(1),
  size: z.number().int().positive(),
});
export type FixturePlatform = z.infer<typeof fixturePlatformSchema>;

export const fixtureImageSchema = z.object({
  /** `debian12` or `multiarch`. */
  name: z.string().min(1),
  tag: z.string().min(1),
  /** Repository path inside each registry, e.g. `shipshape/debian12`. */
  repository: z.string().min(1),
  /** Digest of the manifest (debian12) or image index (multiarch) — identical in both registries and the layout. */
  digest,
  mediaType: z.string().min(1),
  size: z.number().int().positive(),
  /** The OCI image layout directory holding the image (tag = `tag`). */
  layout: absolutePath,
  /** `oci:<layout>:<tag>`. */
  layoutReference: z.string().startsWith('oci:'),
  platforms: z.array(fixturePlatformSchema).min(1),
  /** `HOST:PORT/shipshape/<name>:<tag>` in each registry. */
  references: z.object({ plain: z.string().min(1), tls: z.string().min(1) }),
});
export type FixtureImage = z.infer<typeof fixtureImageSchema>;

const imagesFileSchema = z.object({ images: z.array(fixtureImageSchema) });

/** Every fixture image up.sh built and pushed. */
export function fixtureImages(env: NodeJS.ProcessEnv = process.env): FixtureImage[] {
  const file = testEnv(env).imagesFile;
  const text = readTestFile(file, 'SHIPSHAPE_TEST_IMAGES');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file} (SHIPSHAPE_TEST_IMAGES) is not JSON: ${(error as Error).message}; ${SETUP_HINT}.`);
  }
  const parsed = imagesFileSchema.safeParse(data);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`${file} (SHIPSHAPE_TEST_IMAGES) does not describe fixture images (${problems}); ${SETUP_HINT}.`);
  }
  return parsed.data.images;
}

/** One fixture image by name (`debian12`, `multiarch`). */
export function fixtureImage(name: string, env: NodeJS.ProcessEnv = process.env): FixtureImage {
  const images = fixtureImages(env);
  const image = images.find((i) => i.name === name);
  if (!image) {
    throw new Error(`No fixture image named "${name}" (have: ${images.map((i) => i.name).join(', ')}).`);
  }
  return image;
}

/**
 * The shared fixtures (real files made by third-party tools): SHIPSHAPE_FIXTURES, or
 * `../shared/fixtures` beside the repository. Works without the registries being up.
 */
export function fixturesDir(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.SHIPSHAPE_FIXTURES;
  return configured ? path.resolve(REPO_ROOT, configured) : path.resolve(REPO_ROOT, '..', 'shared', 'fixtures');
}

function readTestFile(file: string, variable: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new Error(`${file} (${variable}) cannot be read (${code}); ${SETUP_HINT}.`);
  }
}
