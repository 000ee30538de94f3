import { BadRequestException, UnsupportedMediaTypeException } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { PassThrough, Readable, Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';

const DECODERS: Record<string, () => Transform> = { gzip: createGunzip, deflate: createInflate, br: createBrotliDecompress };

/** A body stream as Fastify's parsers read it: `receivedEncodedLength` counts the bytes as they arrived. */
type DecodedBody = PassThrough & { receivedEncodedLength: number };

/**
 * Fastify's preParsing hook for compressed request bodies (Content-Encoding gzip, deflate or
 * br), which the JSON parser of Express used to accept. Fastify then holds the decoded bytes to
 * AOL_MAX_REQUEST_BYTES (a small body cannot inflate past it) and Content-Length to the bytes
 * received. A body that does not decode is a 400, an encoding not listed a 415.
 */
export function decodeRequestBody(
  request: FastifyRequest,
  _reply: unknown,
  payload: Readable,
  done: (error: Error | null, body?: Readable) => void,
): void {
  const encoding = request.headers['content-encoding']?.trim().toLowerCase();
  // A callback, not a promise: the uncompressed body of every request passes straight through.
  if (!encoding || encoding === 'identity') return done(null, payload);
  const createDecoder = DECODERS[encoding];
  if (!createDecoder) return done(new UnsupportedMediaTypeException(`Content-Encoding "${encoding}" is not supported`));
  const decoder = createDecoder();
  const body = Object.assign(new PassThrough(), { receivedEncodedLength: 0 }) satisfies DecodedBody;
  payload.on('data', (chunk: Buffer) => (body.receivedEncodedLength += chunk.length));
  const fail = (error: Error) => body.destroy(new BadRequestException(`The request body is not valid ${encoding}: ${error.message}`));
  payload.on('error', fail);
  decoder.on('error', fail);
  payload.pipe(decoder).pipe(body);
  done(null, body);
}
