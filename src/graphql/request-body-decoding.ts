import { BadRequestException, UnsupportedMediaTypeException } from '@nestjs/common';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { PassThrough, Readable, Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { AolError, AolErrorCode } from '../errors/aol-error';

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

/**
 * Brackets a JSON body may nest: an `enqueueActions` body whose payloads use all 8 levels they
 * may nests 12, so a payload nested a little too deep still gets its own, precise refusal.
 */
export const MAX_BODY_NESTING = 32;

/** Whether `json` nests `[` and `{` deeper than `limit`, in one pass that skips strings. */
function nestsDeeperThan(json: string, limit: number): boolean {
  let depth = 0;
  for (let index = 0; index < json.length; index += 1) {
    const char = json.charCodeAt(index);
    if (char === 0x22 /* " */) {
      for (index += 1; index < json.length && json.charCodeAt(index) !== 0x22; index += 1) {
        if (json.charCodeAt(index) === 0x5c /* \ */) index += 1;
      }
    } else if (char === 0x5b /* [ */ || char === 0x7b /* { */) {
      if (++depth > limit) return true;
    } else if (char === 0x5d /* ] */ || char === 0x7d /* } */) {
      depth -= 1;
    }
  }
  return false;
}

/**
 * Fastify's own JSON parser (refusing `__proto__` and `constructor` keys, as Nest's does), in
 * place of the one registered before, behind a nesting bound
 * checked on the text first: a 3 MB body of nested arrays otherwise costs a second of CPU
 * and 100 MB to parse before anything can refuse it.
 */
export function installJsonBodyParser(fastify: FastifyInstance): void {
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (nestsDeeperThan(body as string, MAX_BODY_NESTING)) {
      return done(new AolError(AolErrorCode.BAD_USER_INPUT, `The request body nests deeper than ${MAX_BODY_NESTING} levels`), undefined);
    }
    parseJson(request, body as string, done);
  });
}
