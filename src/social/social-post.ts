import isURL from 'validator/lib/isURL';

/** The networks a post can target, with each one's text limit in characters. */
export const SOCIAL_TEXT_LIMITS = {
  mastodon: 500,
  bluesky: 300,
  x: 280,
  linkedin: 3000,
} as const;

export type SocialPlatform = keyof typeof SOCIAL_TEXT_LIMITS;
export const SOCIAL_PLATFORMS = Object.keys(SOCIAL_TEXT_LIMITS) as SocialPlatform[];
export const MAX_MEDIA_URLS = 4;

/** Counts characters as people do (code points), not UTF-16 units: an emoji is one. */
export function characterCount(text: string): number {
  return [...text].length;
}

/** The payload of a POST_SOCIAL action: what to post, and where. */
export interface SocialPost {
  platform: SocialPlatform;
  text: string;
  mediaUrls?: string[];
}

const SOCIAL_POST_FIELDS = new Set(['platform', 'text', 'mediaUrls']);
const MAX_MEDIA_URL_LENGTH = 2048;
const HTTPS_URL = { protocols: ['https'], require_protocol: true };

function isSocialPlatform(value: unknown): value is SocialPlatform {
  return typeof value === 'string' && Object.hasOwn(SOCIAL_TEXT_LIMITS, value);
}

/**
 * Checks a POST_SOCIAL payload by hand (it runs for every action of a bulk enqueue): the
 * post, with its text trimmed and nothing else kept, or every problem found.
 */
export function parseSocialPost(payload: Record<string, unknown>): { post: SocialPost } | { problems: string[] } {
  const problems = Object.keys(payload)
    .filter((field) => !SOCIAL_POST_FIELDS.has(field))
    .map((field) => `property ${field} should not exist`);
  const { platform, mediaUrls } = payload;
  if (!isSocialPlatform(platform)) problems.push(`platform must be one of ${SOCIAL_PLATFORMS.join(', ')}`);
  const text = typeof payload.text === 'string' ? payload.text.trim() : payload.text;
  if (typeof text !== 'string') problems.push('text must be a string');
  else if (text.length === 0) problems.push('text must not be empty');
  // No more characters than UTF-16 units: only a text longer than the limit in units needs counting.
  else if (
    isSocialPlatform(platform) &&
    text.length > SOCIAL_TEXT_LIMITS[platform] &&
    characterCount(text) > SOCIAL_TEXT_LIMITS[platform]
  ) {
    problems.push(`text must be at most ${SOCIAL_TEXT_LIMITS[platform]} characters on ${platform} (got ${characterCount(text)})`);
  }
  if (mediaUrls !== undefined && mediaUrls !== null) {
    if (!Array.isArray(mediaUrls)) problems.push('mediaUrls must be a list of URLs');
    else {
      if (mediaUrls.length > MAX_MEDIA_URLS) problems.push(`mediaUrls may hold at most ${MAX_MEDIA_URLS} URLs`);
      if (mediaUrls.some((url) => typeof url !== 'string' || !isURL(url, HTTPS_URL)))
        problems.push('each of mediaUrls must be an https:// URL');
      if (mediaUrls.some((url) => typeof url === 'string' && url.length > MAX_MEDIA_URL_LENGTH)) {
        problems.push(`each of mediaUrls must be at most ${MAX_MEDIA_URL_LENGTH} characters`);
      }
    }
  }
  if (problems.length > 0) return { problems };
  return {
    post: {
      platform: platform as SocialPlatform,
      text: text as string,
      ...(Array.isArray(mediaUrls) ? { mediaUrls: mediaUrls as string[] } : {}),
    },
  };
}
