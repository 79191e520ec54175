import * as path from 'node:path';
import { fixturesDir, REPO_ROOT, testEnv } from './test-env';

describe('testEnv', () => {
  it('tells the developer how to set the environment up when it is missing', () => {
    expect(() => testEnv({})).toThrow(/not set up.*bash tools\/test\.sh.*tools\/test-env\/up\.sh.*env\.sh/);
  });

  it('names the broken variables without printing any value (one is a password)', () => {
    const password = 'p4ssw0rd-that-must-not-leak';
    let message = '';
    try {
      testEnv({ SHIPSHAPE_TEST_REGISTRY: 'not a host', SHIPSHAPE_TEST_TLS_PASSWORD: password, SHIPSHAPE_TEST_TLS_CA: 'relative.pem' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/SHIPSHAPE_TEST_REGISTRY: expected HOST:PORT/);
    expect(message).toMatch(/SHIPSHAPE_TEST_TLS_CA: expected an absolute path/);
    expect(message).toMatch(/SHIPSHAPE_TEST_TLS_REGISTRY/);
    expect(message).not.toContain(password);
  });
});

describe('fixturesDir', () => {
  it('defaults to ../shared/fixtures beside the repository, which holds the dpkg fixture', () => {
    expect(fixturesDir({})).toBe(path.resolve(REPO_ROOT, '..', 'shared', 'fixtures'));
    expect(REPO_ROOT).toBe(path.resolve(__dirname, '../../../..'));
  });

  it('honours SHIPSHAPE_FIXTURES, relative to the repository root', () => {
    expect(fixturesDir({ SHIPSHAPE_FIXTURES: '/srv/fixtures' })).toBe('/srv/fixtures');
    expect(fixturesDir({ SHIPSHAPE_FIXTURES: 'fx' })).toBe(path.join(REPO_ROOT, 'fx'));
  });
});
