/** What replaces the token wherever it is found. */
export const REDACTED = '[secret]';
/** What a remote text becomes when the token is in it in a form that cannot be cut out. */
export const WITHHELD = '[the answer is not shown: it contained the access token]';

/** The inner characters of the token's base64 (or base64url) at each of the three byte alignments it may start at. */
function base64Forms(token: string): string[] {
  const forms: string[] = [];
  for (const offset of [0, 1, 2]) {
    const encoded = Buffer.concat([Buffer.alloc(offset), Buffer.from(token)]).toString('base64');
    // The characters that also mix in the neighbouring bytes differ with them: keep the stable middle.
    const inner = encoded.slice(Math.ceil((offset * 4) / 3) + 1, Math.floor(((offset + token.length) * 4) / 3) - 1);
    forms.push(inner, inner.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return forms;
}

/**
 * Characters that quoting, escaping or line-folding add around or inside an echoed value; the
 * token is looked for in the text with them removed and its escapes decoded.
 */
function squash(text: string): string {
  let decoded = text
    .replace(/\\u([0-9a-fA-F]{4})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))
    .replace(/&#x([0-9a-fA-F]+);/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))
    .replace(/&#(\d+);/g, (_, decimal: string) => String.fromCharCode(Number(decimal)));
  // Percent-encoding, twice over at most (a value encoded once more by a proxy).
  for (let round = 0; round < 2; round += 1)
    decoded = decoded.replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return decoded.replace(/[\s"'`\\+,]/g, '');
}

/**
 * Removes an access token from a text a remote server wrote, in whatever form the server may
 * have echoed it: as sent (an echoed `Authorization: Bearer` header), URL-encoded, JSON- or
 * HTML-escaped, in base64 or hex (inside a longer encoded blob too), or broken up by quotes,
 * spaces or line folding. Forms that can be found are cut out; if the token still shows once
 * escapes are decoded and quoting removed, the whole text is withheld.
 */
export class TokenRedactor {
  private readonly forms: string[];
  private readonly squashed: string;

  constructor(token: string) {
    const hex = Buffer.from(token).toString('hex');
    this.forms = [
      token,
      encodeURIComponent(token),
      JSON.stringify(token).slice(1, -1),
      token.replace(/\//g, '\\/'),
      hex,
      hex.toUpperCase(),
      ...base64Forms(token),
    ]
      .filter((form) => form.length >= 8)
      .sort((a, b) => b.length - a.length);
    this.squashed = squash(token);
  }

  redact(text: string): string {
    let redacted = text;
    for (const form of this.forms) redacted = redacted.split(form).join(REDACTED);
    return squash(redacted).includes(this.squashed) ? WITHHELD : redacted;
  }
}
