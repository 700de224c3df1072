/** Artifact downloads from CircleCI: redirects followed by hand, the token only where it may go, a size limit. */
import fs from 'node:fs';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ApiError, errorForStatus } from '../errors';
import { declaredLength, readCapped, tooLargeError } from '../transport';
import type { CircleCiTransport } from './transport';

export interface DownloadOptions {
  signal?: AbortSignal;
  /** Largest body accepted, counted after decompression. */
  maxBytes: number;
}

/**
 * Downloads an artifact into memory, refusing more than `maxBytes` (counted after decompression). The token goes
 * only to CircleCI's origins (see `mayReceiveToken`); redirects are followed by hand, at most 4.
 */
export async function downloadArtifact(
  transport: CircleCiTransport,
  url: string,
  options: DownloadOptions,
): Promise<Buffer> {
  return fetchArtifact(transport, url, options, (stream, what) =>
    readCapped(stream, options.maxBytes, () => tooLargeError('circleci', what, options.maxBytes)),
  );
}

/**
 * Streams an artifact into `file` (created or truncated; removed again when the download fails), refusing more
 * than `maxBytes`. Resolves with the number of bytes written.
 */
export async function downloadArtifactToFile(
  transport: CircleCiTransport,
  url: string,
  file: string,
  options: DownloadOptions,
): Promise<number> {
  try {
    return await fetchArtifact(transport, url, options, async (stream, what) => {
      let total = 0;
      const counter = new Transform({
        transform(chunk: Buffer, _enc, done) {
          total += chunk.length;
          if (total > options.maxBytes) done(tooLargeError('circleci', what, options.maxBytes));
          else done(null, chunk);
        },
      });
      await pipeline(stream, counter, fs.createWriteStream(file));
      return total;
    });
  } catch (e) {
    await fs.promises.rm(file, { force: true });
    throw e;
  }
}

/** Follows an artifact URL (at most 4 redirects) and hands the 200 body's stream to `read`, within the deadline. */
async function fetchArtifact<T>(
  transport: CircleCiTransport,
  url: string,
  options: DownloadOptions,
  read: (stream: Readable, what: string) => Promise<T>,
): Promise<T> {
  let current = new URL(url);
  let previous: URL | undefined;
  for (let hop = 0; hop < 5; hop++) {
    const hopUrl = current;
    const withToken = transport.mayReceiveToken(hopUrl, previous);
    const what = `download the artifact ${hopUrl.pathname}`;
    const result = await transport.exchange<{ location?: URL; value?: T }>(
      'GET',
      hopUrl.toString(),
      { headers: withToken ? transport.authHeaders() : {}, signal: options.signal, what, absolute: true },
      async (status, headers, stream) => {
        const location = headers.location;
        if (status >= 300 && status < 400 && typeof location === 'string') {
          stream.destroy();
          return { location: new URL(location, hopUrl) };
        }
        if (status !== 200) {
          stream.destroy();
          throw errorForStatus('circleci', status, undefined, what);
        }
        const length = declaredLength(headers['content-length']);
        if (length !== undefined && length > options.maxBytes) {
          stream.destroy();
          throw tooLargeError('circleci', what, options.maxBytes);
        }
        return { value: await read(stream, what) };
      },
    );
    if (!result.location) return result.value as T;
    previous = hopUrl;
    current = result.location;
  }
  throw new ApiError('circleci', 'invalid', `Too many redirects while downloading ${url}.`);
}
