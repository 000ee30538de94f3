import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  IsUrl,
  MaxLength,
  MinLength,
  Validate,
  ValidationArguments,
  ValidatorConstraint,
  ValidatorConstraintInterface,
} from 'class-validator';

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

@ValidatorConstraint({ name: 'fitsPlatformLimit' })
class FitsPlatformLimit implements ValidatorConstraintInterface {
  validate(text: unknown, args: ValidationArguments): boolean {
    const limit = SOCIAL_TEXT_LIMITS[(args.object as SocialPost).platform];
    return typeof text !== 'string' || limit === undefined || characterCount(text) <= limit;
  }

  defaultMessage(args: ValidationArguments): string {
    const platform = (args.object as SocialPost).platform;
    return `text must be at most ${SOCIAL_TEXT_LIMITS[platform]} characters on ${platform} (got ${characterCount(args.value as string)})`;
  }
}

/** The payload of a POST_SOCIAL action: what to post, and where. */
export class SocialPost {
  @IsIn(SOCIAL_PLATFORMS, { message: `platform must be one of ${SOCIAL_PLATFORMS.join(', ')}` })
  platform!: SocialPlatform;

  @IsString({ message: 'text must be a string' })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @MinLength(1, { message: 'text must not be empty' })
  @Validate(FitsPlatformLimit)
  text!: string;

  @IsOptional()
  @IsArray({ message: 'mediaUrls must be a list of URLs' })
  @ArrayMaxSize(MAX_MEDIA_URLS, { message: `mediaUrls may hold at most ${MAX_MEDIA_URLS} URLs` })
  @IsUrl({ protocols: ['https'], require_protocol: true }, { each: true, message: 'each of mediaUrls must be an https:// URL' })
  @MaxLength(2048, { each: true, message: 'each of mediaUrls must be at most 2048 characters' })
  mediaUrls?: string[];
}
