import { keyReferenceProblem, parseKeyReference } from './key-reference';

describe('key references', () => {
  it('reads the forms cosign accepts', () => {
    expect(parseKeyReference('cosign.key')).toEqual({ kind: 'file', path: 'cosign.key' });
    expect(parseKeyReference('env://COSIGN_KEY')).toEqual({ kind: 'env', variable: 'COSIGN_KEY' });
    expect(parseKeyReference('gcpkms://projects/p/locations/global/keyRings/r/cryptoKeys/k')).toEqual({
      kind: 'kms',
      scheme: 'gcpkms',
      uri: 'gcpkms://projects/p/locations/global/keyRings/r/cryptoKeys/k',
    });
    expect(parseKeyReference('azurekms://vault.vault.azure.net/key')?.kind).toBe('kms');
  });

  it('suggests the scheme meant by a typo', () => {
    expect(keyReferenceProblem('awskm://alias/release')).toBe(
      'unsupported key scheme `awskm://`: expected a file path, env://VARIABLE, awskms://, gcpkms://, azurekms:// or hashivault://; did you mean `awskms://`?',
    );
    expect(parseKeyReference('awskm://alias/release')).toBeUndefined();
  });

  it('refuses a pasted key without repeating it', () => {
    const pem = '-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\nZXhhbXBsZS1rZXktbWF0ZXJpYWw=\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----';
    const problem = keyReferenceProblem(pem) ?? '';
    expect(problem).toContain('cannot be pasted into the configuration');
    expect(problem).not.toContain('ZXhhbXBsZS1rZXktbWF0ZXJpYWw');
  });
});
