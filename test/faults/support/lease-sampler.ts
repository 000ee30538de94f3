import { sleep, StatusSample } from './instance';
import type { Scenario } from './scenario';

export interface LeaseSample {
  /** Date.now() after the read. */
  at: number;
  owner: string | null;
  epoch: number;
  /** Microseconds since 1970 by the database's clock. */
  acquiredUs: number | null;
  expiresUs: number;
  dbNowUs: number;
}

interface Round {
  before: LeaseSample;
  after: LeaseSample;
  answers: StatusSample[];
}

const LEASE_SQL = `select owner, epoch,
  (extract(epoch from acquired_at) * 1000000)::bigint as acquired_us,
  (extract(epoch from expires_at) * 1000000)::bigint as expires_us,
  (extract(epoch from clock_timestamp()) * 1000000)::bigint as now_us
  from aol_lease where name = 'orchestrator'`;

/**
 * Watches leadership while a scenario runs, two ways: the aol_lease row itself (every
 * ~100 ms), and what each responsive process says in `autonomyStatus { leader }` (rounds of
 * concurrent requests, with the lease read just before and just after each round).
 * `violations()` turns what it saw into the "one leader at a time" invariants.
 */
export class LeaseSampler {
  readonly leases: LeaseSample[] = [];
  readonly rounds: Round[] = [];
  private running = false;
  private readonly early = new Set<number>();
  private loops: Promise<void>[] = [];

  constructor(private readonly scenario: Scenario) {}

  /** The harness ended this epoch's lease early on purpose (its holder was dead). */
  endedEarly(epoch: number): void {
    this.early.add(epoch);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loops = [this.leaseLoop(), this.processLoop()];
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  private async read(): Promise<LeaseSample | null> {
    try {
      const [row] = await this.scenario.sql<Record<string, string | null>>(LEASE_SQL);
      return {
        at: Date.now(),
        owner: row.owner,
        epoch: Number(row.epoch),
        acquiredUs: row.acquired_us === null ? null : Number(row.acquired_us),
        expiresUs: Number(row.expires_us),
        dbNowUs: Number(row.now_us),
      };
    } catch {
      return null; // the cluster is down: nothing to sample
    }
  }

  private async leaseLoop(): Promise<void> {
    while (this.running) {
      const sample = await this.read();
      if (sample) this.leases.push(sample);
      await sleep(100);
    }
  }

  private async processLoop(): Promise<void> {
    while (this.running) {
      const targets = this.scenario.instances.filter((instance) => instance.responsive);
      if (targets.length > 0) {
        const before = await this.read();
        const answers = await Promise.all(targets.map((instance) => instance.leadership(1000)));
        const after = await this.read();
        if (before && after)
          this.rounds.push({ before, after, answers: answers.filter((answer): answer is StatusSample => answer !== null) });
      }
      await sleep(250);
    }
  }

  /**
   * - the epoch never goes down; one epoch has one owner (it may only be released to null);
   * - a new epoch is acquired only once the previous one had expired or was released: its
   *   acquired_at is not before the latest expiry seen for the previous epoch;
   * - no process says it leads while the lease row, read just before and just after its
   *   answer with the same owner and epoch, names someone else; no two say so in one round.
   */
  violations(): Array<{ invariant: string; detail: string; rows: unknown[] }> {
    const found: Array<{ invariant: string; detail: string; rows: unknown[] }> = [];
    // Only the lease loop's samples are in a known real-time order (one read after another).
    for (let index = 1; index < this.leases.length; index += 1) {
      const [earlier, later] = [this.leases[index - 1], this.leases[index]];
      if (later.epoch < earlier.epoch) {
        found.push({
          invariant: 'one leader at a time',
          detail: `lease epoch went down from ${earlier.epoch} to ${later.epoch}`,
          rows: [earlier, later],
        });
      }
    }
    const samples = [...this.leases, ...this.rounds.flatMap((round) => [round.before, round.after])].sort((a, b) => a.dbNowUs - b.dbNowUs);
    const ownerOf = new Map<number, string>();
    const latestExpiry = new Map<number, number>();
    const released = new Set<number>();
    for (const sample of samples) {
      if (sample.owner === null) released.add(sample.epoch);
      if (sample.owner !== null) {
        const known = ownerOf.get(sample.epoch);
        if (known !== undefined && known !== sample.owner) {
          found.push({
            invariant: 'one leader at a time',
            detail: `epoch ${sample.epoch} was held by ${known} and by ${sample.owner}`,
            rows: [sample],
          });
        }
        ownerOf.set(sample.epoch, sample.owner);
      }
      latestExpiry.set(sample.epoch, Math.max(latestExpiry.get(sample.epoch) ?? 0, sample.expiresUs));
    }
    const epochs = [...latestExpiry.keys()].sort((a, b) => a - b);
    for (let index = 1; index < epochs.length; index += 1) {
      const older = epochs[index - 1];
      const newer = epochs[index];
      const acquired = samples.find((sample) => sample.epoch === newer && sample.acquiredUs !== null)?.acquiredUs;
      const expiry = latestExpiry.get(older)!;
      // A release (shutdown, kill switch) ends a lease early and legitimately: only a holder
      // that was never seen releasing and was never asked to shut down must have expired.
      const holder = this.scenario.byId(ownerOf.get(older) ?? null);
      const mayHaveReleased =
        released.has(older) ||
        this.early.has(older) ||
        (holder?.signals.some((sent) => sent.signal === 'SIGTERM' || sent.signal === 'SIGINT') ?? false);
      if (acquired !== undefined && acquired !== null && acquired < expiry && !mayHaveReleased) {
        found.push({
          invariant: 'one leader at a time',
          detail: `epoch ${newer} was acquired ${((expiry - acquired) / 1000).toFixed(1)} ms before epoch ${older}'s lease (owner ${ownerOf.get(older)}) expired`,
          rows: samples.filter((sample) => sample.epoch === older || sample.epoch === newer).slice(-4),
        });
      }
    }
    for (const round of this.rounds) {
      const stable = round.before.epoch === round.after.epoch && round.before.owner === round.after.owner;
      const claimants = round.answers.filter((answer) => answer.leader);
      for (const answer of claimants) {
        if (answer.leaseOwner !== answer.instanceId) {
          found.push({
            invariant: 'one leader at a time',
            detail: `${answer.instanceId} said leader while its own answer's lease names ${answer.leaseOwner}`,
            rows: [answer],
          });
        } else if (stable && round.before.owner !== answer.instanceId) {
          found.push({
            invariant: 'one leader at a time',
            detail: `${answer.instanceId} said leader while the lease (unchanged around its answer) belonged to ${round.before.owner} at epoch ${round.before.epoch}`,
            rows: [round.before, answer, round.after],
          });
        }
      }
      if (stable && claimants.length > 1) {
        found.push({
          invariant: 'one leader at a time',
          detail: `${claimants.map((c) => c.instanceId).join(' and ')} both said leader in one round`,
          rows: [round.before, ...claimants, round.after],
        });
      }
    }
    return found;
  }

  /** Epochs seen, in order, with their owners (for scenario assertions). */
  epochs(): Array<{ epoch: number; owner: string | null }> {
    const seen = new Map<number, string | null>();
    for (const sample of this.leases)
      if (!seen.has(sample.epoch) || sample.owner) seen.set(sample.epoch, sample.owner ?? seen.get(sample.epoch) ?? null);
    return [...seen.entries()].map(([epoch, owner]) => ({ epoch, owner }));
  }
}
