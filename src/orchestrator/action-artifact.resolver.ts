import { Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { ActionModel } from '../queue/models/action.model';
import { ArtifactReading, ArtifactStore } from '../social/artifact-store';

/** An approver reads what will be (or was) posted: 64 KiB shows any post and its JSON wrapping in full. */
export const ARTIFACT_PREVIEW_BYTES = 64 * 1024;

/**
 * The artifact an action left, read back from the artifact directory when asked for: its
 * content (capped) and whether the file still has the SHA-256 recorded on the action. The
 * three fields of one action share one read.
 */
@Resolver(() => ActionModel)
export class ActionArtifactResolver {
  private readonly readings = new WeakMap<ActionModel, Promise<ArtifactReading | null>>();

  constructor(private readonly artifacts: ArtifactStore) {}

  @ResolveField(() => String, {
    nullable: true,
    description: `The artifact's content (the first ${ARTIFACT_PREVIEW_BYTES / 1024} KiB); null when there is none or the file is gone.`,
  })
  async artifactContent(@Parent() action: ActionModel): Promise<string | null> {
    return (await this.reading(action))?.content ?? null;
  }

  @ResolveField(() => Boolean, { nullable: true, description: 'Whether artifactContent was cut at its cap; null without an artifact.' })
  async artifactContentTruncated(@Parent() action: ActionModel): Promise<boolean | null> {
    return (await this.reading(action))?.truncated ?? null;
  }

  @ResolveField(() => Boolean, {
    nullable: true,
    description:
      'Whether the artifact file, hashed now, still has artifactSha256 (false when it changed or is gone); null without an artifact.',
  })
  async artifactSha256Matches(@Parent() action: ActionModel): Promise<boolean | null> {
    if (!action.artifactRef) return null;
    return (await this.reading(action))?.sha256 === action.artifactSha256;
  }

  private reading(action: ActionModel): Promise<ArtifactReading | null> {
    if (!action.artifactRef) return Promise.resolve(null);
    let reading = this.readings.get(action);
    if (!reading) {
      reading = this.artifacts.read(action.artifactRef, ARTIFACT_PREVIEW_BYTES);
      this.readings.set(action, reading);
    }
    return reading;
  }
}
