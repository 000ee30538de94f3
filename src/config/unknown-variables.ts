import { getMetadataStorage } from 'class-validator';
import { EnvironmentVariables } from './environment';

/** Edits (insertions, deletions, substitutions) that turn `a` into `b`. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

/** Every variable AOL reads: the validated properties of EnvironmentVariables. */
export function knownVariables(): string[] {
  const metadata = getMetadataStorage().getTargetValidationMetadatas(EnvironmentVariables, '', true, false);
  return [...new Set(metadata.map((entry) => entry.propertyName))].sort();
}

/**
 * One warning per AOL_* variable that AOL does not read, naming the known one closest to it
 * (AOL_MAX_ACTION_PER_TICK: did you mean AOL_MAX_ACTIONS_PER_TICK?). A warning, not a refusal:
 * a variable of a newer release left in an env file must not stop an older one from starting.
 */
export function unknownVariableWarnings(env: NodeJS.ProcessEnv, known: readonly string[] = knownVariables()): string[] {
  const aolKnown = known.filter((name) => name.startsWith('AOL_'));
  return Object.keys(env)
    .filter((name) => name.startsWith('AOL_') && !known.includes(name))
    .sort()
    .map((name) => {
      const [closest] = aolKnown
        .map((candidate) => ({ candidate, distance: editDistance(name, candidate) }))
        .sort((x, y) => x.distance - y.distance);
      // Past a third of the name's length the closest one is a guess, not a likely typo.
      return closest && closest.distance <= Math.max(2, Math.floor(name.length / 3))
        ? `${name} is not a variable AOL reads; did you mean ${closest.candidate}?`
        : `${name} is not a variable AOL reads (see README's configuration table)`;
    });
}
