/**
 * image.json: what `image-digest` resolved, and what every later step reads. Its bytes are part of
 * the cache key of every cached Shipshape target (`dependentTasksOutputFiles`), so it holds only
 * what identifies the image — no timestamps, no absolute paths, no credentials.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { ShipshapeError } from '@shipshape/core/base';
import { z } from 'zod';

const digest = z.string().regex(/^sha(256|384|512):[0-9a-f]{64,128}$/, 'expected a digest such as sha256:<64 hex>');

export const imageFileSchema = z.strictObject({
  /** The image pinned by digest: `127.0.0.1:5000/team/api@sha256:…` or `oci:dist/images/api@sha256:…`. */
  image: z.string().min(1),
  digest,
  /** The reference as it was found (option, build output or tag) before it was resolved. */
  reference: z.string().min(1),
  mediaType: z.string().min(1),
  /** One entry per platform of an index; the image's own platform for a single manifest. */
  platforms: z.array(z.strictObject({ platform: z.string().min(1), digest })),
});
export type ImageFile = z.infer<typeof imageFileSchema>;

/** Writes the file with a stable key order and a trailing newline (same image → same bytes → same hash). */
export async function writeImageFile(file: string, data: ImageFile): Promise<void> {
  const ordered: ImageFile = {
    image: data.image,
    digest: data.digest,
    reference: data.reference,
    mediaType: data.mediaType,
    platforms: data.platforms.map((p) => ({ platform: p.platform, digest: p.digest })),
  };
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(ordered, null, 2)}\n`);
}

/** Removes a previous run's file, so a failed resolution never leaves a stale digest behind. */
export async function removeImageFile(file: string): Promise<void> {
  await rm(file, { force: true });
}

/** Reads and validates image.json (for the steps after image-digest). */
export async function readImageFile(file: string): Promise<ImageFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ShipshapeError('input', code === 'ENOENT' ? 'no image.json: the image-digest target has not run' : `cannot read image.json (${code})`, {
      where: file,
      hint: 'make the target depend on image-digest ("dependsOn": ["image-digest"]), as `nx g @shipshape/nx:configuration` sets it up',
    });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new ShipshapeError('input', 'image.json is not valid JSON', { where: file, hint: 'run the image-digest target again to rewrite it' });
  }
  const parsed = imageFileSchema.safeParse(data);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`).join('; ');
    throw new ShipshapeError('input', `image.json is not what image-digest writes (${problems})`, {
      where: file,
      hint: 'run the image-digest target again to rewrite it',
    });
  }
  return parsed.data;
}
