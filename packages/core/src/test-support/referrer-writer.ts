/**
 * One writer of the cross-process referrers test (oci/registry/concurrent-referrers.spec.ts), run as
 * its own Node process with its own RegistryClient — nothing shared with the other writers but the
 * registry, as with parallel Nx tasks. It uploads its artifact's blobs, says `ready`, waits for `go`
 * on stdin (so all writers race for the fallback index at once), pushes the referrer manifest and
 * prints `{"digest":…,"indexWrites":n}`. Test-only (excluded from the build).
 *
 *   node -r swc-register referrer-writer.ts HOST REPOSITORY SUBJECT_JSON ARTIFACT_TYPE
 */
import { randomBytes } from 'node:crypto';
import { runChildMain, waitForLine } from './child-main';
import { sha256Digest } from '../oci/digest';
import { descriptorSchema } from '../oci/manifest';
import { OCI_EMPTY, OCI_MANIFEST } from '../oci/media-types';
import { RegistryClient } from '../oci/registry/client';
import { RegistryRepository } from '../oci/registry/repository';
import { referrersFallbackTag } from '../oci/store';

async function main(argv: string[]): Promise<void> {
  const [host, repository, subjectJson, artifactType] = argv;
  if (!host || !repository || !subjectJson || !artifactType) throw new Error('usage: referrer-writer HOST REPOSITORY SUBJECT_JSON ARTIFACT_TYPE');
  const subject = descriptorSchema.parse(JSON.parse(subjectJson));
  const client = new RegistryClient({ env: { HOME: '/nonexistent' }, retry: { baseDelayMs: 5, maxDelayMs: 50, attempts: 10 } });
  const repo = new RegistryRepository(client, host, repository);

  // Count this writer's writes of the fallback index: more than one means it had to repair an overwrite.
  let indexWrites = 0;
  const putManifest = repo.putManifest.bind(repo);
  repo.putManifest = (bytes, mediaType, tag) => {
    if (tag === referrersFallbackTag(subject.digest)) indexWrites++;
    return putManifest(bytes, mediaType, tag);
  };

  const empty = await repo.putBlob(Buffer.from('{}'), OCI_EMPTY);
  const payload = await repo.putBlob(randomBytes(256), 'application/octet-stream');
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType,
      config: { mediaType: OCI_EMPTY, digest: empty.digest, size: empty.size },
      layers: [payload],
      subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
    }),
  );

  process.stdout.write('ready\n');
  await waitForLine('go');
  const pushed = await repo.putManifest(manifest, OCI_MANIFEST);
  if (pushed.digest !== sha256Digest(manifest)) throw new Error(`pushed ${pushed.digest}, expected ${sha256Digest(manifest)}`);
  client.close();
  process.stdout.write(`${JSON.stringify({ digest: pushed.digest, indexWrites })}\n`);
}

runChildMain(main);
