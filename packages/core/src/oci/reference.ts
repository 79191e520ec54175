/**
 * Image references, normalized the way Docker does (`ubuntu` → `docker.io/library/ubuntu:latest`), plus
 * the two on-disk forms: `oci:DIR[:TAG|@DIGEST]` (OCI image layout) and `docker-archive:FILE` (`docker save`).
 * Grammar: github.com/distribution/reference (reference.go / normalize.go).
 */
import { ShipshapeError } from '../errors';

export const DOCKER_HUB = 'docker.io';
/** Docker Hub's API endpoint differs from its canonical name. */
export const DOCKER_HUB_API_HOST = 'registry-1.docker.io';
const DEFAULT_TAG = 'latest';

export interface RegistryReference {
  kind: 'registry';
  /** Canonical host[:port], `docker.io` for Docker Hub. */
  registry: string;
  /** Repository path, `library/ubuntu` for official Docker Hub images. */
  repository: string;
  tag?: string;
  digest?: string;
}

export interface OciLayoutReference {
  kind: 'oci';
  /** Directory of the OCI image layout (as given, relative paths resolve against the cwd). */
  dir: string;
  tag?: string;
  digest?: string;
}

export interface DockerArchiveReference {
  kind: 'docker-archive';
  file: string;
}

export type ImageReference = RegistryReference | OciLayoutReference | DockerArchiveReference;

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^(sha256:[a-f0-9]{64}|sha384:[a-f0-9]{96}|sha512:[a-f0-9]{128})$/;
const DOMAIN_COMPONENT = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;
const IPV6_HOST = /^\[[0-9a-fA-F:.]+\]$/;
const MAX_NAME_LENGTH = 255;

export function isDigest(value: string): boolean {
  return DIGEST.test(value);
}

function invalid(input: string, message: string, hint?: string): ShipshapeError {
  return new ShipshapeError('input', `invalid image reference "${input}": ${message}`, {
    hint: hint ?? 'use REGISTRY/REPOSITORY[:TAG][@sha256:HEX], oci:DIR[:TAG|@DIGEST] or docker-archive:FILE',
  });
}

/** Parses any reference form; throws a ShipshapeError naming the part that is wrong. */
export function parseReference(input: string): ImageReference {
  const text = input.trim();
  if (text === '') throw invalid(input, 'it is empty');
  if (text.startsWith('oci:')) return parseOciLayoutReference(text);
  if (text.startsWith('docker-archive:')) {
    const file = text.slice('docker-archive:'.length);
    if (!file) throw invalid(input, 'the docker-archive file path is missing');
    return { kind: 'docker-archive', file };
  }
  if (text.startsWith('docker://')) return parseRegistryReference(text.slice('docker://'.length), input);
  return parseRegistryReference(text, input);
}

export function parseRegistryReference(text: string, original = text): RegistryReference {
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) {
      throw invalid(original, `the digest "${digest}" is not a valid digest`, 'a digest is sha256: followed by 64 lowercase hex characters');
    }
  }

  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const lastColon = rest.lastIndexOf(':');
  if (lastColon > lastSlash) {
    tag = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
    if (!TAG.test(tag)) {
      throw invalid(original, `the tag "${tag}" is not valid`, 'a tag is up to 128 letters, digits, "_", "." or "-", not starting with "." or "-"');
    }
  }
  if (rest === '') throw invalid(original, 'the repository name is missing');

  const { registry, path } = splitDomain(rest, original);
  const components = path.split('/');
  for (const component of components) {
    if (!PATH_COMPONENT.test(component)) {
      const why = component === '' ? 'an empty path component' : `the path component "${component}" is not valid`;
      throw invalid(original, `${why}`, 'repository names are lowercase letters, digits and separators (".", "_", "__", "-"), joined by "/"');
    }
  }
  const repository = registry === DOCKER_HUB && components.length === 1 ? `library/${path}` : path;
  if (`${registry}/${repository}`.length > MAX_NAME_LENGTH) {
    throw invalid(original, `the name is longer than ${MAX_NAME_LENGTH} characters`);
  }
  return { kind: 'registry', registry, repository, tag: tag ?? (digest ? undefined : DEFAULT_TAG), digest };
}

function splitDomain(name: string, original: string): { registry: string; path: string } {
  const slash = name.indexOf('/');
  const first = slash < 0 ? '' : name.slice(0, slash);
  // As Docker: the first component is a registry only if it looks like a host (has "." or ":", or is localhost).
  const isHost = slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase());
  if (!isHost) return { registry: DOCKER_HUB, path: name };
  validateHost(first, original);
  const registry = first === 'index.docker.io' ? DOCKER_HUB : first;
  return { registry, path: name.slice(slash + 1) };
}

function validateHost(hostPort: string, original: string): void {
  const portMatch = /^(.*?)(?::(\d+))?$/.exec(hostPort);
  const host = portMatch?.[1] ?? '';
  const port = portMatch?.[2];
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) {
    throw invalid(original, `the registry port "${port}" is out of range`);
  }
  if (IPV6_HOST.test(host)) return;
  if (host === '' || !host.split('.').every((part) => DOMAIN_COMPONENT.test(part))) {
    throw invalid(original, `the registry host "${hostPort}" is not a valid host name`);
  }
}

function parseOciLayoutReference(text: string): OciLayoutReference {
  let rest = text.slice('oci:'.length);
  let digest: string | undefined;
  let tag: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0 && rest.slice(at + 1).includes(':')) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw invalid(text, `the digest "${digest}" is not a valid digest`);
  } else {
    const lastSlash = rest.lastIndexOf('/');
    const lastColon = rest.lastIndexOf(':');
    if (lastColon > lastSlash) {
      tag = rest.slice(lastColon + 1);
      rest = rest.slice(0, lastColon);
      if (!tag) throw invalid(text, 'the tag after ":" is empty');
    }
  }
  if (!rest) throw invalid(text, 'the OCI layout directory is missing', 'write oci:DIR, e.g. oci:./dist/image');
  return { kind: 'oci', dir: rest, tag, digest };
}

/** The canonical string: `host/repo:tag@digest`, `oci:DIR:TAG`, `docker-archive:FILE`. */
export function formatReference(ref: ImageReference): string {
  switch (ref.kind) {
    case 'registry':
      return `${ref.registry}/${ref.repository}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
    case 'oci':
      return `oci:${ref.dir}${ref.digest ? `@${ref.digest}` : ref.tag ? `:${ref.tag}` : ''}`;
    case 'docker-archive':
      return `docker-archive:${ref.file}`;
  }
}

/** The same image addressed by digest only (DESIGN: after resolution, never by tag). */
export function pinDigest<T extends RegistryReference | OciLayoutReference>(ref: T, digest: string): T {
  return { ...ref, tag: undefined, digest };
}

/** `registry/repository` without tag or digest: the name cosign puts in `docker-reference`. */
export function repositoryName(ref: RegistryReference): string {
  return `${ref.registry}/${ref.repository}`;
}

/** The host to contact: Docker Hub's canonical name is not its API endpoint. */
export function apiHost(ref: RegistryReference): string {
  return ref.registry === DOCKER_HUB ? DOCKER_HUB_API_HOST : ref.registry;
}
