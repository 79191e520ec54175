/**
 * A blob download that survives a broken connection: when the body stops short, the rest is asked
 * for with `Range: bytes=<received>-` (registries serve blobs with range support; a 200 instead of
 * 206 means the range was ignored, and the bytes already had are skipped). Everything still goes
 * through one VerifyingStream, so the size and digest are checked over the whole joined content —
 * a resumed download is accepted only if it is byte for byte the blob asked for.
 */
import { finished, type Readable } from 'node:stream';
import { ShipshapeError } from '../../errors';
import { VerifyingStream } from '../digest';
import type { Descriptor } from '../manifest';
import { discard, header, type HttpResponse } from './http';

/** A layer cut three times in a row is a network that will not carry it; say so rather than loop. */
export const MAX_BLOB_RESUMES = 3;

export interface BlobDownload {
  descriptor: Pick<Descriptor, 'digest' | 'size'>;
  /** `host/repository@digest`, for messages. */
  where: string;
  host: string;
  /** GETs the blob from `offset` (0: the whole blob; otherwise with a Range header). */
  fetchFrom(offset: number): Promise<HttpResponse>;
  /** The error for a response that is neither the blob nor its rest. */
  responseError(response: HttpResponse): Promise<Error>;
}

export function resumableBlobStream(download: BlobDownload, first: HttpResponse): Readable {
  const { descriptor, where, host } = download;
  const out = new VerifyingStream(descriptor, where);
  let received = 0;
  let resumes = 0;
  let settled = false;
  let current: Readable | undefined;

  const fail = (error: Error) => {
    if (settled) return;
    settled = true;
    out.destroy(error);
  };
  // A consumer that stops early frees the socket.
  out.on('close', () => {
    settled = true;
    if (current && !current.readableEnded) current.destroy();
  });

  const consume = (body: Readable, skip: number) => {
    current = body;
    let toSkip = skip;
    body.on('data', (data: Buffer) => {
      if (settled) return;
      let chunk = data;
      if (toSkip > 0) {
        const skipped = Math.min(toSkip, chunk.length);
        toSkip -= skipped;
        chunk = chunk.subarray(skipped);
        if (chunk.length === 0) return;
      }
      received += chunk.length;
      if (!out.write(chunk)) {
        body.pause();
        out.once('drain', () => body.resume());
      }
    });
    finished(body, (error) => {
      if (settled) return;
      // Complete (or too long: the VerifyingStream says so); a short body is resumed below.
      if (received >= descriptor.size) {
        settled = true;
        out.end();
        return;
      }
      const why = error ? error.message : `the body ended after ${received} of ${descriptor.size} bytes`;
      if (resumes >= MAX_BLOB_RESUMES) {
        fail(new ShipshapeError('network', `the connection to ${host} broke while reading blob ${descriptor.digest} (${received} of ${descriptor.size} bytes, ${resumes} resumes): ${why}`, { where, cause: error ?? undefined }));
        return;
      }
      resumes++;
      resume().catch(fail);
    });
  };

  const resume = async () => {
    const response = await download.fetchFrom(received);
    if (settled) return discard(response);
    if (response.status === 206 && rangeStart(response) === received) return consume(response.body, 0);
    if (response.status === 200) return consume(response.body, received);
    discard(response);
    fail(await download.responseError(response));
  };

  consume(first.body, 0);
  return out;
}

/** The first byte of a 206 answer (`Content-Range: bytes 1000-4999/5000`). */
function rangeStart(response: HttpResponse): number | undefined {
  const match = /^bytes (\d+)-\d+\/(?:\d+|\*)$/.exec(header(response, 'content-range') ?? '');
  return match ? Number(match[1]) : undefined;
}
