import { randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Chooses (or takes) the run's seed and prints it, before any scenario runs. */
export default function globalSetup(): void {
  const root = join(__dirname, '..', '..', '..');
  if (!existsSync(join(root, 'dist', 'src', 'main.js')) || !existsSync(join(root, 'dist', 'src', 'cli.js'))) {
    throw new Error('dist/ is missing: `npm run test:faults` builds it first; with jest alone, run `npm run build`');
  }
  const given = process.env.AOL_FAULT_SEED;
  if (given !== undefined && !/^\d+$/.test(given)) throw new Error(`AOL_FAULT_SEED must be a non-negative integer (got "${given}")`);
  const seed = given ?? String(randomInt(0, 2 ** 31));
  process.env.AOL_FAULT_SEED = seed;
  process.stdout.write(
    `\nAOL fault suite seed: ${seed}${given ? ' (given)' : ''} -- replay with AOL_FAULT_SEED=${seed} npm run test:faults\n` +
      `timelines: ${join(tmpdir(), `aol-faults-${seed}`)}/<scenario>.log; a failed scenario keeps its scratch directory (process logs, tables.json)\n\n`,
  );
}
