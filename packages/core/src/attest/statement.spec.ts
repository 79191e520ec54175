/**
 * Statements and DSSE as other tools write and read them: cosign's sign statement shape, the subject
 * name go-containerregistry gives an image, the PAE bytes of the DSSE spec's own example, and the
 * statements of the sigstore-conformance bundles (written by sigstore-python / GitHub) parse.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleFromJSON } from '@sigstore/bundle';
import { ShipshapeError } from '../errors';
import { parseReference, type RegistryReference } from '../oci/reference';
import { fixturesDir } from '../test-support/test-env';
import { bundleStatement, preAuthEncoding } from './dsse';
import { cosignRepositoryName, imageSubject, makeStatement, parseStatement, statementCoversDigest, IN_TOTO_STATEMENT_V01 } from './statement';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

/** What the CLI prints for the error `fn` throws. */
function describeError(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof ShipshapeError) return error.describe();
    throw error;
  }
  throw new Error('expected an error');
}

describe('in-toto statements', () => {
  it('names an image subject as cosign attest does: registry/repository, Docker Hub as index.docker.io', () => {
    expect(cosignRepositoryName(parseReference('ubuntu:22.04') as RegistryReference)).toBe('index.docker.io/library/ubuntu');
    expect(cosignRepositoryName(parseReference('127.0.0.1:5000/team/app:v1@' + DIGEST) as RegistryReference)).toBe('127.0.0.1:5000/team/app');
    expect(imageSubject(DIGEST, 'ghcr.io/acme/api')).toEqual({ name: 'ghcr.io/acme/api', digest: { sha256: 'ab'.repeat(32) } });
  });

  it('round-trips a v1 statement and reads the v0.1 statements cosign attest writes', () => {
    const written = makeStatement([imageSubject(DIGEST, 'ghcr.io/acme/api')], 'https://slsa.dev/provenance/v1', { buildDefinition: {} });
    const read = parseStatement(Buffer.from(JSON.stringify(written)), 'test');
    expect(read).toEqual(written);
    expect(statementCoversDigest(read, DIGEST)).toBe(true);
    expect(statementCoversDigest(read, `sha256:${'cd'.repeat(32)}`)).toBe(false);
    const old = parseStatement(Buffer.from(JSON.stringify({ ...written, _type: IN_TOTO_STATEMENT_V01 })), 'test');
    expect(old._type).toBe(IN_TOTO_STATEMENT_V01);
  });

  it('rejects what is not a statement with the field that is wrong', () => {
    expect(describeError(() => parseStatement(Buffer.from('{'), 'att'))).toBe('att: the in-toto statement is not valid JSON');
    expect(() => parseStatement(Buffer.from(JSON.stringify({ _type: 'https://example.com/x', subject: [{}], predicateType: 'p' })), 'att')).toThrow(/_type/);
    const noSubject = { _type: 'https://in-toto.io/Statement/v1', subject: [], predicateType: 'p' };
    expect(() => parseStatement(Buffer.from(JSON.stringify(noSubject)), 'att')).toThrow(/subject.*at least one subject/);
  });
});

describe('DSSE', () => {
  it('pre-authentication encoding is the spec\'s: "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body', () => {
    // The worked example of the DSSE protocol document.
    expect(preAuthEncoding('http://example.com/HelloWorld', Buffer.from('hello world')).toString()).toBe('DSSEv1 29 http://example.com/HelloWorld 11 hello world');
    // Lengths are bytes, not characters.
    expect(preAuthEncoding('t', Buffer.from('é')).toString()).toBe('DSSEv1 1 t 2 é');
  });

  it("reads the statement of a real in-toto bundle (sigstore-conformance's happy path)", () => {
    const file = join(fixturesDir(), 'sigstore', 'conformance', 'happy-path-intoto-in-dsse-v3', 'bundle.sigstore.json');
    const statement = bundleStatement(bundleFromJSON(JSON.parse(readFileSync(file, 'utf8'))), file);
    expect(statement.predicateType).toBe('https://slsa.dev/provenance/v1');
    expect(statement.subject[0]?.name).toBe('a.txt');
  });

  it('says a message-signature bundle holds no statement', () => {
    const file = join(fixturesDir(), 'sigstore', 'conformance', 'happy-path-v0.3', 'bundle.sigstore.json');
    expect(describeError(() => bundleStatement(bundleFromJSON(JSON.parse(readFileSync(file, 'utf8'))), 'b.json'))).toMatch(/^b\.json: the bundle holds a message signature, not a DSSE envelope/);
  });
});
