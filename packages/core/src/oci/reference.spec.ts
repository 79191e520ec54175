import { formatReference, parseReference, pinDigest, repositoryName, apiHost, type RegistryReference } from './reference';
import { ShipshapeError } from '../errors';

const D = `sha256:${'a'.repeat(64)}`;

function registry(input: string): RegistryReference {
  const ref = parseReference(input);
  if (ref.kind !== 'registry') throw new Error(`expected a registry reference for ${input}`);
  return ref;
}

describe('registry references, normalized like Docker', () => {
  it.each([
    ['ubuntu', 'docker.io/library/ubuntu:latest'],
    ['ubuntu:22.04', 'docker.io/library/ubuntu:22.04'],
    ['bitnami/redis', 'docker.io/bitnami/redis:latest'],
    ['index.docker.io/library/nginx:1', 'docker.io/library/nginx:1'],
    ['docker://alpine', 'docker.io/library/alpine:latest'],
    ['ghcr.io/acme/api:v1.2.3', 'ghcr.io/acme/api:v1.2.3'],
    ['localhost/app', 'localhost/app:latest'],
    ['localhost:5000/team/app:dev', 'localhost:5000/team/app:dev'],
    ['127.0.0.1:5001/shipshape/debian12:1', '127.0.0.1:5001/shipshape/debian12:1'],
    ['123456789012.dkr.ecr.eu-west-1.amazonaws.com/svc/api:sha-1', '123456789012.dkr.ecr.eu-west-1.amazonaws.com/svc/api:sha-1'],
    [`ghcr.io/acme/api@${D}`, `ghcr.io/acme/api@${D}`],
    [`ghcr.io/acme/api:v1@${D}`, `ghcr.io/acme/api:v1@${D}`],
    ['[::1]:5000/app:x', '[::1]:5000/app:x'],
    ['Registry/app', 'Registry/app:latest'],
  ])('%s → %s', (input, expected) => {
    expect(formatReference(parseReference(input))).toBe(expected);
  });

  it('keeps a digest without inventing a tag', () => {
    const ref = registry(`quay.io/org/img@${D}`);
    expect(ref.tag).toBeUndefined();
    expect(ref.digest).toBe(D);
  });

  it('pins a tagged reference to a digest and drops the tag', () => {
    const pinned = pinDigest(registry('ghcr.io/acme/api:v1'), D);
    expect(formatReference(pinned)).toBe(`ghcr.io/acme/api@${D}`);
    expect(repositoryName(pinned)).toBe('ghcr.io/acme/api');
  });

  it('talks to Docker Hub through its API host', () => {
    expect(apiHost(registry('alpine'))).toBe('registry-1.docker.io');
    expect(apiHost(registry('ghcr.io/a/b'))).toBe('ghcr.io');
  });

  it.each([
    ['', /empty/],
    ['ghcr.io/Acme/api', /path component "Acme"/],
    ['ghcr.io/acme//api', /empty path component/],
    ['ghcr.io/acme/api:-bad', /tag "-bad"/],
    ['ghcr.io/acme/api@sha256:1234', /digest "sha256:1234"/],
    ['ghcr.io/acme/api@md5:abc', /digest "md5:abc"/],
    ['host:99999/app', /port "99999"/],
    ['exa_mple.com/app', /registry host "exa_mple.com"/],
    [`a.io/${'x'.repeat(260)}`, /longer than 255/],
    [':tag', /repository name is missing/],
  ])('rejects %j saying which part is wrong', (input, message) => {
    expect(() => parseReference(input)).toThrow(ShipshapeError);
    expect(() => parseReference(input)).toThrow(message);
  });
});

describe('on-disk references', () => {
  it('parses oci: layouts with tag or digest', () => {
    expect(parseReference('oci:./dist/image')).toEqual({ kind: 'oci', dir: './dist/image', tag: undefined, digest: undefined });
    expect(parseReference('oci:/tmp/layout:v1')).toEqual({ kind: 'oci', dir: '/tmp/layout', tag: 'v1', digest: undefined });
    expect(parseReference(`oci:/tmp/layout@${D}`)).toEqual({ kind: 'oci', dir: '/tmp/layout', tag: undefined, digest: D });
    expect(formatReference(parseReference('oci:/tmp/layout:v1'))).toBe('oci:/tmp/layout:v1');
  });

  it('parses docker-archive: files', () => {
    expect(parseReference('docker-archive:/tmp/app.tar')).toEqual({ kind: 'docker-archive', file: '/tmp/app.tar' });
  });

  it('rejects empty paths', () => {
    expect(() => parseReference('oci:')).toThrow(/directory is missing/);
    expect(() => parseReference('docker-archive:')).toThrow(/file path is missing/);
    expect(() => parseReference('oci:/x@sha256:zz')).toThrow(/digest/);
  });
});
