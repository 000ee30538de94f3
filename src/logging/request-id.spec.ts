import { requestIdOf } from './request-id';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('requestIdOf', () => {
  it("keeps the caller's sane x-request-id", () => {
    expect(requestIdOf({ 'x-request-id': 'trace-42' })).toBe('trace-42');
    expect(requestIdOf({ 'x-request-id': 'b7ad6b7169203331/span:1@edge=+' })).toBe('b7ad6b7169203331/span:1@edge=+');
  });

  it('makes a new one when there is none, or it is too long, or could forge a line', () => {
    for (const given of [undefined, '', 'x'.repeat(129), 'a\nlevel=error', 'a b', '"quoted"', ['one', 'two']]) {
      expect(requestIdOf({ 'x-request-id': given as string | undefined })).toMatch(UUID);
    }
  });
});
