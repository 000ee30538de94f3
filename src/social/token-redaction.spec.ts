import { REDACTED, TokenRedactor, WITHHELD } from './token-redaction';

const TOKEN = 'tok_Sup3r/S3cret+publisher-spec';
const redactor = new TokenRedactor(TOKEN);

describe('TokenRedactor', () => {
  it.each([
    ['as sent, in an echoed header', `bad header Authorization: Bearer ${TOKEN}`],
    ['URL-encoded', `GET /?access_token=${encodeURIComponent(TOKEN)} refused`],
    ['JSON-escaped, as some servers escape a slash', `{"error":"token ${TOKEN.replace(/\//g, '\\/')} revoked"}`],
    ['in base64', `basic ${Buffer.from(`bot:${TOKEN}`).toString('base64')} refused`],
    ['in base64 at another alignment', `x ${Buffer.from(`b:${TOKEN}!`).toString('base64')}`],
    ['in base64url', Buffer.from(`user=${TOKEN}`).toString('base64url')],
    ['in hex', `id ${Buffer.from(TOKEN).toString('hex')}`],
  ])('cuts the token out when it is echoed %s', (_form, text) => {
    const redacted = redactor.redact(text);
    expect(redacted).toContain(REDACTED);
    expect(redacted).not.toContain(TOKEN);
    expect(redacted).not.toContain(encodeURIComponent(TOKEN));
  });

  it.each([
    ['split by quoting', `"${TOKEN.slice(0, 10)}" "${TOKEN.slice(10)}"`],
    ['folded over lines', `${TOKEN.slice(0, 7)}\r\n ${TOKEN.slice(7)}`],
    ['with unicode escapes', TOKEN.replace(/[a-z]/g, (char) => `\\u00${char.charCodeAt(0).toString(16)}`)],
    ['as HTML entities', TOKEN.replace(/\//g, '&#47;').replace(/\+/g, '&#x2b;')],
    ['percent-encoded twice', encodeURIComponent(encodeURIComponent(TOKEN))],
  ])('withholds the whole text when the token is in it %s', (_form, text) => {
    expect(redactor.redact(`the server said ${text}`)).toBe(WITHHELD);
  });

  it('leaves a text without the token as it is', () => {
    expect(redactor.redact('Validation failed: Text character limit of 500 exceeded')).toBe(
      'Validation failed: Text character limit of 500 exceeded',
    );
  });
});
