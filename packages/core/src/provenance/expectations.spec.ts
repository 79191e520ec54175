/** What `attest verify --source-uri/--source-ref/--builder-id` accept and refuse, on GitHub-shaped provenance. */
import { parseSourceUri, provenanceMismatches } from './expectations';

const predicate = {
  buildDefinition: {
    buildType: 'https://actions.github.io/buildtypes/workflow/v1',
    externalParameters: { workflow: { ref: 'refs/tags/v1.4.0', repository: 'https://github.com/acme/shop', path: '.github/workflows/release.yml' } },
    resolvedDependencies: [{ uri: 'git+https://github.com/acme/shop@refs/tags/v1.4.0', digest: { gitCommit: '3f786850e387550fdab836ed7e6dc881de23001b' } }],
  },
  runDetails: { builder: { id: 'https://github.com/acme/shop/.github/workflows/release.yml@refs/tags/v1.4.0' } },
};

describe('provenanceMismatches', () => {
  it.each([
    ['the exact dependency URI', 'git+https://github.com/acme/shop@refs/tags/v1.4.0'],
    ['without git+', 'https://github.com/acme/shop@refs/tags/v1.4.0'],
    ['without the ref', 'git+https://github.com/acme/shop'],
    ['as a plain URL', 'https://github.com/acme/shop'],
    ['without a scheme, as slsa-verifier takes it', 'github.com/acme/shop'],
    ['with .git and a trailing slash', 'https://github.com/acme/shop.git/'],
    ['with the host in upper case', 'https://GitHub.com/acme/shop'],
  ])('accepts the source %s', (_label, sourceUri) => {
    expect(provenanceMismatches(predicate, { sourceUri })).toEqual([]);
  });

  it.each([
    ['another repository', 'https://github.com/acme/other'],
    ['another host', 'https://gitlab.com/acme/shop'],
    ['another scheme', 'http://github.com/acme/shop'],
    ['another ref', 'git+https://github.com/acme/shop@refs/heads/main'],
    ['a prefix of the repository', 'github.com/acme/sh'],
  ])('refuses %s, naming what the provenance says', (_label, sourceUri) => {
    expect(provenanceMismatches(predicate, { sourceUri })).toEqual([`no resolved dependency is ${sourceUri} (the provenance names git+https://github.com/acme/shop@refs/tags/v1.4.0)`]);
  });

  it('matches the source ref in full or by its branch or tag name', () => {
    expect(provenanceMismatches(predicate, { sourceRef: 'refs/tags/v1.4.0' })).toEqual([]);
    expect(provenanceMismatches(predicate, { sourceRef: 'v1.4.0' })).toEqual([]);
    expect(provenanceMismatches(predicate, { sourceUri: 'github.com/acme/shop', sourceRef: 'v1.4.0' })).toEqual([]);
    expect(provenanceMismatches(predicate, { sourceRef: 'main' })).toEqual([
      'no resolved dependency is ref main (the provenance names git+https://github.com/acme/shop@refs/tags/v1.4.0)',
    ]);
    expect(provenanceMismatches(predicate, { sourceRef: 'refs/heads/v1.4.0' })).toHaveLength(1);
  });

  it('matches the builder id exactly, or any version of it when given without @', () => {
    expect(provenanceMismatches(predicate, { builderId: 'https://github.com/acme/shop/.github/workflows/release.yml@refs/tags/v1.4.0' })).toEqual([]);
    expect(provenanceMismatches(predicate, { builderId: 'https://github.com/acme/shop/.github/workflows/release.yml' })).toEqual([]);
    expect(provenanceMismatches(predicate, { builderId: 'https://github.com/acme/shop/.github/workflows/release.yml@refs/heads/main' })).toEqual([
      'the builder id is https://github.com/acme/shop/.github/workflows/release.yml@refs/tags/v1.4.0, not https://github.com/acme/shop/.github/workflows/release.yml@refs/heads/main',
    ]);
    expect(provenanceMismatches(predicate, { builderId: 'https://github.com/acme/shop/.github/workflows/rel' })).toHaveLength(1);
  });

  it('reports every unmet expectation at once', () => {
    expect(provenanceMismatches(predicate, { sourceUri: 'github.com/evil/shop', builderId: 'https://evil.example/builder' })).toHaveLength(2);
  });

  it('refuses a predicate that is not SLSA v1 provenance, or has no source', () => {
    expect(provenanceMismatches({ buildType: 'x', builder: { id: 'y' } }, { builderId: 'y' })[0]).toMatch(/^the predicate is not SLSA v1 provenance: buildDefinition/);
    const sourceless = { ...predicate, buildDefinition: { ...predicate.buildDefinition, resolvedDependencies: undefined } };
    expect(provenanceMismatches(sourceless, { sourceUri: 'github.com/acme/shop' })).toEqual(['no resolved dependency is github.com/acme/shop (the provenance names no source)']);
  });
});

describe('parseSourceUri', () => {
  it('tells user info from the ref, and keeps an @ inside a tag', () => {
    expect(parseSourceUri('git+ssh://git@github.com/acme/shop.git@refs/tags/pkg@1.0')).toEqual({ scheme: 'ssh', location: 'github.com/acme/shop', ref: 'refs/tags/pkg@1.0' });
    expect(parseSourceUri('github.com/acme/shop')).toEqual({ location: 'github.com/acme/shop' });
  });
});
