/**
 * The exact cosign command lines for each way of signing and verifying, per cosign release line,
 * and the rule that secrets travel only in the child's environment.
 */
import { securityConfigSchema } from '../../config/schema';
import { isShipshapeError, ShipshapeError } from '../../errors';
import { cosignSignArgs, cosignVerifyArgs, timestampEndpoint, type CosignSecrets, type CosignSignRequest } from './args';
import { cosignCapabilities } from './capabilities';
import { cosignSignRequestFromConfig, cosignVerifyRequestFromConfig } from './config';

const DIGEST = `sha256:${'ab'.repeat(32)}`;
const IMAGE = `registry.example.com/acme/shop@${DIGEST}`;
const PASSWORD = 'correct horse battery staple';
const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhY21lIn0.c2lnbmF0dXJlLWJ5dGVz';

function thrown(fn: () => unknown): ShipshapeError {
  try {
    fn();
  } catch (error) {
    if (isShipshapeError(error)) return error;
    throw error;
  }
  throw new Error('expected a ShipshapeError');
}

describe('cosignSignArgs', () => {
  const sign = (request: Partial<CosignSignRequest>, version: string | undefined = '3.0.2', secrets: CosignSecrets = { password: PASSWORD, identityToken: TOKEN }) =>
    cosignSignArgs({ image: IMAGE, format: 'bundle', ...request }, secrets, version);

  describe('cosign 3', () => {
    it('a key file, bundle format: no transparency log (as the native signer), which needs the signing config off', () => {
      expect(sign({ key: 'cosign.key' })).toEqual({
        args: ['sign', '--yes', '--key=cosign.key', '--use-signing-config=false', '--tlog-upload=false', IMAGE],
        secretEnv: { COSIGN_PASSWORD: PASSWORD },
      });
    });

    it('a KMS key, legacy format', () => {
      expect(sign({ key: 'awskms:///alias/release-signing', format: 'legacy' }, '3.0.2', {})).toEqual({
        args: ['sign', '--yes', '--key=awskms:///alias/release-signing', '--new-bundle-format=false', '--use-signing-config=false', '--tlog-upload=false', IMAGE],
        secretEnv: {},
      });
    });

    it('a key in an environment variable, recorded in the public Rekor: cosign picks the services itself', () => {
      expect(sign({ key: 'env://COSIGN_PRIVATE_KEY', tlogUpload: true, rekorUrl: 'https://rekor.sigstore.dev/' })).toEqual({
        args: ['sign', '--yes', '--key=env://COSIGN_PRIVATE_KEY', IMAGE],
        secretEnv: { COSIGN_PASSWORD: PASSWORD },
      });
    });

    it('keyless on the public instance: the token goes in SIGSTORE_ID_TOKEN, read by the envvar provider', () => {
      expect(sign({ fulcioUrl: 'https://fulcio.sigstore.dev', rekorUrl: 'https://rekor.sigstore.dev' })).toEqual({
        args: ['sign', '--yes', '--oidc-provider=envvar', IMAGE],
        secretEnv: { SIGSTORE_ID_TOKEN: TOKEN },
      });
    });

    it('keyless on a private instance with a timestamp authority, legacy format, an insecure registry', () => {
      const command = sign({
        format: 'legacy',
        fulcioUrl: 'https://fulcio.internal.example.com',
        rekorUrl: 'https://rekor.internal.example.com/',
        tsaUrl: 'https://tsa.internal.example.com',
        trustedRoot: '/etc/sigstore/trusted_root.json',
        registry: { insecure: true },
      });
      expect(command).toEqual({
        args: [
          'sign',
          '--yes',
          '--oidc-provider=envvar',
          '--new-bundle-format=false',
          '--use-signing-config=false',
          '--fulcio-url=https://fulcio.internal.example.com',
          '--rekor-url=https://rekor.internal.example.com',
          '--timestamp-server-url=https://tsa.internal.example.com/api/v1/timestamp',
          '--trusted-root=/etc/sigstore/trusted_root.json',
          '--allow-insecure-registry=true',
          '--allow-http-registry=true',
          IMAGE,
        ],
        secretEnv: { SIGSTORE_ID_TOKEN: TOKEN },
      });
    });

    it('keyless with a timestamp authority and no Rekor', () => {
      expect(sign({ tlogUpload: false, tsaUrl: 'https://timestamp.example.com/tsr' }).args).toEqual([
        'sign',
        '--yes',
        '--oidc-provider=envvar',
        '--use-signing-config=false',
        '--tlog-upload=false',
        '--timestamp-server-url=https://timestamp.example.com/tsr',
        IMAGE,
      ]);
    });

    it('annotations, a multi-arch image and a registry CA', () => {
      expect(sign({ key: 'cosign.key', tlogUpload: true, annotations: { release: 'v1.4.0', team: 'shop' }, recursive: true, registry: { caFile: '/etc/ssl/registry-ca.pem' } }).args).toEqual([
        'sign',
        '--yes',
        '--key=cosign.key',
        '--recursive',
        '--annotations=release=v1.4.0',
        '--annotations=team=shop',
        '--registry-cacert=/etc/ssl/registry-ca.pem',
        IMAGE,
      ]);
    });
  });

  describe('cosign 2.6 (bundle format opt-in, signing config off by default)', () => {
    it('bundle format is asked for; explicit services need nothing else', () => {
      expect(sign({ key: 'cosign.key' }, '2.6.1').args).toEqual(['sign', '--yes', '--key=cosign.key', '--new-bundle-format=true', '--tlog-upload=false', IMAGE]);
      expect(sign({ format: 'legacy', fulcioUrl: 'https://fulcio.internal.example.com' }, '2.6.1').args).toEqual([
        'sign',
        '--yes',
        '--oidc-provider=envvar',
        '--fulcio-url=https://fulcio.internal.example.com',
        IMAGE,
      ]);
    });
  });

  describe('cosign 2.2 to 2.5 (legacy format only)', () => {
    it('signs in the legacy format, leaving out the flags it does not have', () => {
      expect(sign({ key: 'hashivault://release', format: 'legacy', trustedRoot: '/etc/sigstore/trusted_root.json' }, 'v2.2.4', {}).args).toEqual([
        'sign',
        '--yes',
        '--key=hashivault://release',
        '--tlog-upload=false',
        IMAGE,
      ]);
    });

    it('refuses the bundle format with what to do instead', () => {
      const error = thrown(() => sign({ key: 'cosign.key' }, '2.5.3'));
      expect(error.kind).toBe('config');
      expect(error.message).toBe('cosign 2.5.3 cannot write the bundle format; it needs cosign 2.6 or newer');
      expect(error.hint).toMatch(/signing\.format: legacy/);
    });

    it('refuses a registry CA file before 2.5', () => {
      expect(thrown(() => sign({ key: 'cosign.key', format: 'legacy', registry: { caFile: '/ca.pem' } }, '2.4.1')).message).toMatch(/needs cosign 2\.5 or newer/);
    });
  });

  it('an unreadable version is treated as the newest release line', () => {
    const request: CosignSignRequest = { image: IMAGE, format: 'legacy', key: 'cosign.key' };
    expect(cosignSignArgs(request, {}, undefined)).toEqual(cosignSignArgs(request, {}, '3.0.0'));
    expect(cosignSignArgs(request, {}, 'not a version').args).toContain('--new-bundle-format=false');
    expect(cosignCapabilities(undefined).version).toBe('3.0.0');
    expect(cosignCapabilities('3.0.0-rc.1').signBundle).toBe('default');
  });

  it('signs by digest only: a tag is dropped when a digest is present, and refused without one', () => {
    expect(sign({ key: 'cosign.key', image: `registry.example.com/acme/shop:1.4.0@${DIGEST}` }).args.at(-1)).toBe(IMAGE);
    const error = thrown(() => sign({ key: 'cosign.key', image: 'registry.example.com/acme/shop:1.4.0' }));
    expect(error.kind).toBe('usage');
    expect(error.message).toBe('cosign is given images by digest, and "registry.example.com/acme/shop:1.4.0" has none');
  });

  it('never puts the password or the token on the command line', () => {
    const requests: Partial<CosignSignRequest>[] = [
      { key: 'cosign.key' },
      { key: 'env://COSIGN_PRIVATE_KEY', format: 'legacy' },
      { key: 'gcpkms://projects/p/locations/global/keyRings/r/cryptoKeys/k/versions/1' },
      {},
      { format: 'legacy', fulcioUrl: 'https://fulcio.internal.example.com', tsaUrl: 'https://tsa.internal.example.com' },
    ];
    for (const version of ['2.6.0', '3.0.2']) {
      for (const request of requests) {
        const { args, secretEnv } = sign(request, version);
        expect(args.join(' ')).not.toContain(PASSWORD);
        expect(args.join(' ')).not.toContain(TOKEN);
        expect(args.some((arg) => /identity-token|registry-password|password/.test(arg))).toBe(false);
        expect(Object.values(secretEnv)).toHaveLength(1);
      }
    }
  });

  it('keyless needs a token, and without Rekor a timestamp authority', () => {
    expect(thrown(() => sign({}, '3.0.2', {})).message).toBe('keyless signing with cosign needs an OIDC token');
    expect(thrown(() => sign({ tlogUpload: false })).where).toBe('signing.tsaUrl');
  });

  it('rejects a key reference cosign would misread, and annotations it would split', () => {
    expect(thrown(() => sign({ key: 'k8s://ns/secret' })).message).toMatch(/unsupported key scheme `k8s:\/\/`/);
    expect(thrown(() => sign({ key: 'cosign.key', annotations: { 'a,b': 'c' } })).kind).toBe('usage');
  });
});

describe('cosignVerifyArgs', () => {
  it('a public key: signatures made without a log verify (as the native verifier)', () => {
    expect(cosignVerifyArgs({ image: IMAGE, key: 'cosign.pub', ignoreTlog: true }, '3.0.2')).toEqual({
      args: ['verify', '--output=json', '--key=cosign.pub', '--insecure-ignore-tlog=true', IMAGE],
      secretEnv: {},
    });
  });

  it('keyless, exact identity and issuer', () => {
    expect(
      cosignVerifyArgs({ image: IMAGE, identity: 'https://github.com/acme/shop/.github/workflows/release.yml@refs/heads/main', issuer: 'https://token.actions.githubusercontent.com' }, '3.0.2').args,
    ).toEqual([
      'verify',
      '--output=json',
      '--certificate-identity=https://github.com/acme/shop/.github/workflows/release.yml@refs/heads/main',
      '--certificate-oidc-issuer=https://token.actions.githubusercontent.com',
      IMAGE,
    ]);
  });

  it('keyless regexps, workflow claims, a private root and Rekor, the legacy format', () => {
    expect(
      cosignVerifyArgs(
        {
          image: IMAGE,
          identityRegexp: '^https://github\\.com/acme/',
          issuerRegexp: 'githubusercontent',
          githubWorkflow: { repository: 'acme/shop', trigger: 'push' },
          trustedRoot: '/etc/sigstore/trusted_root.json',
          rekorUrl: 'https://rekor.internal.example.com',
          format: 'legacy',
          registry: { insecure: true },
        },
        '3.0.2',
      ).args,
    ).toEqual([
      'verify',
      '--output=json',
      '--certificate-identity-regexp=^https://github\\.com/acme/',
      '--certificate-oidc-issuer-regexp=githubusercontent',
      '--certificate-github-workflow-repository=acme/shop',
      '--certificate-github-workflow-trigger=push',
      '--new-bundle-format=false',
      '--trusted-root=/etc/sigstore/trusted_root.json',
      '--rekor-url=https://rekor.internal.example.com',
      '--allow-insecure-registry=true',
      '--allow-http-registry=true',
      IMAGE,
    ]);
  });

  it('asks cosign 2.4-2.6 for bundles explicitly, and refuses what older releases cannot do', () => {
    expect(cosignVerifyArgs({ image: IMAGE, key: 'cosign.pub', format: 'bundle' }, '2.4.0').args).toEqual(['verify', '--output=json', '--key=cosign.pub', '--new-bundle-format=true', IMAGE]);
    expect(cosignVerifyArgs({ image: IMAGE, key: 'cosign.pub', format: 'legacy' }, '2.4.0').args).toEqual(['verify', '--output=json', '--key=cosign.pub', IMAGE]);
    expect(thrown(() => cosignVerifyArgs({ image: IMAGE, key: 'cosign.pub', format: 'bundle' }, '2.2.4')).message).toBe(
      'cosign 2.2.4 cannot read the bundle format; it needs cosign 2.4 or newer',
    );
    expect(thrown(() => cosignVerifyArgs({ image: IMAGE, key: 'cosign.pub', trustedRoot: '/root.json' }, '2.3.0')).where).toBe('signing.trustedRoot');
  });

  it('keyless needs an identity and an issuer; a key excludes both', () => {
    expect(thrown(() => cosignVerifyArgs({ image: IMAGE, identity: 'dev@example.com' })).message).toBe(
      'keyless verification needs the certificate OIDC issuer: --certificate-oidc-issuer or --certificate-oidc-issuer-regexp',
    );
    expect(thrown(() => cosignVerifyArgs({ image: IMAGE, identity: 'a', identityRegexp: 'b', issuer: 'c' })).kind).toBe('usage');
    expect(thrown(() => cosignVerifyArgs({ image: IMAGE, key: 'cosign.pub', issuer: 'https://accounts.google.com' })).message).toMatch(/verify with one of them/);
  });
});

describe('requests from the configuration', () => {
  const config = (signing: Record<string, unknown>, registries: Record<string, unknown> = {}) => securityConfigSchema.parse({ signing: { enabled: true, tool: 'cosign', ...signing }, registries });

  it('a KMS key signs and verifies with the same reference', () => {
    const { signing, registries } = config({ key: 'awskms:///alias/release', format: 'both' }, { 'registry.example.com': { insecure: true } });
    expect(cosignSignRequestFromConfig(signing, IMAGE, registries)).toEqual({
      image: IMAGE,
      format: 'both',
      key: 'awskms:///alias/release',
      fulcioUrl: 'https://fulcio.sigstore.dev',
      rekorUrl: 'https://rekor.sigstore.dev',
      tsaUrl: undefined,
      trustedRoot: undefined,
      registry: { insecure: true, caFile: undefined },
    });
    expect(cosignVerifyArgs(cosignVerifyRequestFromConfig(signing, IMAGE, registries), '3.0.2').args).toEqual([
      'verify',
      '--output=json',
      '--key=awskms:///alias/release',
      '--insecure-ignore-tlog=true',
      '--allow-insecure-registry=true',
      '--allow-http-registry=true',
      IMAGE,
    ]);
  });

  it('keyless with the verify identity settings', () => {
    const { signing } = config({ keyless: true, verify: { identityRegexp: '^https://github\\.com/acme/', oidcIssuer: 'https://token.actions.githubusercontent.com' } });
    expect(cosignSignArgs({ ...cosignSignRequestFromConfig(signing, IMAGE), format: 'bundle' }, { identityToken: TOKEN }, '3.0.2').args).toEqual([
      'sign',
      '--yes',
      '--oidc-provider=envvar',
      IMAGE,
    ]);
    expect(cosignVerifyArgs(cosignVerifyRequestFromConfig(signing, IMAGE), '3.0.2').args).toEqual([
      'verify',
      '--output=json',
      '--certificate-identity-regexp=^https://github\\.com/acme/',
      '--certificate-oidc-issuer=https://token.actions.githubusercontent.com',
      IMAGE,
    ]);
  });

  it('a key file verifies with the configured public key, and says so when there is none', () => {
    expect(cosignVerifyRequestFromConfig(config({ key: 'cosign.key', verify: { key: 'cosign.pub' } }).signing, IMAGE).key).toBe('cosign.pub');
    expect(thrown(() => cosignVerifyRequestFromConfig(config({ key: 'cosign.key' }).signing, IMAGE)).where).toBe('signing.verify.key');
    expect(thrown(() => cosignSignRequestFromConfig(config({}).signing, IMAGE)).message).toMatch(/set `signing\.key` or `signing\.keyless: true`/);
  });
});

it('timestampEndpoint: a base URL gets the API path, an endpoint is kept', () => {
  expect(timestampEndpoint('https://timestamp.sigstore.dev')).toBe('https://timestamp.sigstore.dev/api/v1/timestamp');
  expect(timestampEndpoint('https://freetsa.org/tsr')).toBe('https://freetsa.org/tsr');
});
