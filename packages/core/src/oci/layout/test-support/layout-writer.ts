/**
 * A separate process writing into an OCI layout, for the cross-process concurrency tests: it tags one
 * new image and adds referrers to a subject, then prints what it wrote as JSON.
 * Usage: layout-writer.ts DIR TAG SUBJECT_JSON COUNT ARTIFACT_TYPE
 */
import { makeTestImage, pushReferrer, pushTestImage } from '../../../test-support/images';
import type { Descriptor } from '../../manifest';
import { OciLayoutStore } from '../store';

async function main(): Promise<void> {
  const [dir, tag, subjectJson, count, artifactType] = process.argv.slice(2);
  const store = new OciLayoutStore(dir);
  const subject = JSON.parse(subjectJson) as Descriptor;
  const image = await pushTestImage(store, makeTestImage(), tag);
  const referrers = await Promise.all(Array.from({ length: Number(count) }, () => pushReferrer(store, subject, artifactType)));
  process.stdout.write(JSON.stringify({ image: image.digest, referrers: referrers.map((r) => r.digest) }));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
