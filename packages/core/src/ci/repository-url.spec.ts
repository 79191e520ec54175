import { SecretRegistry } from '../exec/secrets';
import { normalizeRepositoryUrl, stripUrlCredentials } from './repository-url';

describe('normalizeRepositoryUrl', () => {
  const normalize = (url: string | undefined, secrets = new SecretRegistry()) => normalizeRepositoryUrl(url, secrets);

  it.each([
    ['https://github.com/acme/shop.git', 'https://github.com/acme/shop'],
    ['https://github.com/acme/shop/', 'https://github.com/acme/shop'],
    ['https://GitHub.com/acme/shop', 'https://github.com/acme/shop'],
    ['git@github.com:acme/shop.git', 'https://github.com/acme/shop'],
    ['git@gitlab.com:acme/platform/shop.git', 'https://gitlab.com/acme/platform/shop'],
    ['ssh://git@gitlab.acme.example/acme/shop.git', 'https://gitlab.acme.example/acme/shop'],
    ['ssh://git@gitlab.acme.example:22/acme/shop.git', 'https://gitlab.acme.example/acme/shop'],
    ['git+ssh://git@github.com/acme/shop.git', 'https://github.com/acme/shop'],
    ['http://127.0.0.1:3000/acme/shop.git', 'http://127.0.0.1:3000/acme/shop'],
    ['git://git.kernel.org/pub/scm/git/git.git', 'git://git.kernel.org/pub/scm/git/git'],
    ['/srv/git/shop.git', 'file:///srv/git/shop.git'],
    ['file:///srv/git/shop.git/', 'file:///srv/git/shop.git'],
  ])('%s → %s', (input, expected) => {
    expect(normalize(input)).toBe(expected);
  });

  it('keeps ssh when the port is not the default, since the https port cannot be guessed', () => {
    expect(normalize('ssh://git@git.acme.example:2222/acme/shop.git')).toBe('ssh://git.acme.example:2222/acme/shop');
  });

  it('keeps ssh for an scp-like absolute path on the host', () => {
    expect(normalize('git@git.acme.example:/srv/repos/shop.git')).toBe('ssh://git.acme.example/srv/repos/shop');
  });

  it('gives undefined for nothing or something that is not a repository address', () => {
    expect(normalize(undefined)).toBeUndefined();
    expect(normalize('  ')).toBeUndefined();
    expect(normalize('not a url')).toBeUndefined();
    expect(normalize('https://')).toBeUndefined();
  });

  it('strips user:password and registers the password', () => {
    const secrets = new SecretRegistry();
    const token = 'ghs_16C7e42F292c6912E7710c838347Ae178B4a';
    expect(normalize(`https://x-access-token:${token}@github.com/acme/shop.git`, secrets)).toBe('https://github.com/acme/shop');
    expect(secrets.redact(`push failed for ${token}`)).toBe('push failed for ***');
    // The user name is not a secret; masking common words everywhere would garble output.
    expect(secrets.has('x-access-token')).toBe(false);
  });

  it('registers the percent-decoded password too, since tools print it decoded', () => {
    const secrets = new SecretRegistry();
    expect(normalize('https://deploy:p%40ss%2Fw0rd-Secret@git.acme.example/acme/shop.git', secrets)).toBe('https://git.acme.example/acme/shop');
    expect(secrets.redact('password p@ss/w0rd-Secret')).toBe('password ***');
  });

  it('strips a token used as the user name and registers it', () => {
    const secrets = new SecretRegistry();
    const pat = 'ghp_R2d2C3poBb8Luke5kywalker00Leia0rgana';
    expect(normalize(`https://${pat}@github.com/acme/shop`, secrets)).toBe('https://github.com/acme/shop');
    expect(secrets.has(pat)).toBe(true);
  });

  it('does not register an ordinary ssh user', () => {
    const secrets = new SecretRegistry();
    normalize('ssh://git@github.com/acme/shop.git', secrets);
    normalize('git@github.com:acme/shop.git', secrets);
    expect(secrets.redact('git clone')).toBe('git clone');
  });

  it('drops a query string, registering token-like parameters', () => {
    const secrets = new SecretRegistry();
    expect(normalize('https://git.acme.example/acme/shop.git?private_token=glpat-9yFh2kQ7xYzA1bC3dE5f', secrets)).toBe('https://git.acme.example/acme/shop');
    expect(secrets.has('glpat-9yFh2kQ7xYzA1bC3dE5f')).toBe(true);
  });
});

describe('stripUrlCredentials', () => {
  it('removes userinfo from every URL in a text and registers the secrets', () => {
    const secrets = new SecretRegistry();
    const text = 'fetch https://ci:hunter2-but-longer@git.acme.example/a.git then ssh://deploy@host/b';
    expect(stripUrlCredentials(text, secrets)).toBe('fetch https://git.acme.example/a.git then ssh://host/b');
    expect(secrets.has('hunter2-but-longer')).toBe(true);
    expect(secrets.has('deploy')).toBe(false);
  });

  it('leaves text without credentials alone', () => {
    expect(stripUrlCredentials('https://github.com/acme/shop and user@example.com', new SecretRegistry())).toBe(
      'https://github.com/acme/shop and user@example.com',
    );
  });
});
