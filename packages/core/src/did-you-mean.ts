/**
 * "did you mean --publish-interval-ms?" for misspelled flags and variables. A plain edit distance
 * over a few dozen short names: too small a job for a dependency.
 */

/** Levenshtein distance (insertions, deletions and substitutions cost 1). */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * The closest candidate within a third of the word's length (at least 2 edits), if any. A prefix
 * every name shares (`--`, `TALLY_`) is left out of the comparison, so it cannot make far names
 * look close.
 */
export function closest(word: string, candidates: Iterable<string>, prefix = ''): string | undefined {
  const strip = (s: string): string => (s.startsWith(prefix) ? s.slice(prefix.length) : s).toLowerCase();
  const limit = Math.max(2, Math.floor(strip(word).length / 3));
  let best: { name: string; distance: number } | undefined;
  for (const name of candidates) {
    const distance = editDistance(strip(word), strip(name));
    if (distance <= limit && (best === undefined || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

/** `; did you mean X?`, or '' when nothing is close. */
export function didYouMean(word: string, candidates: Iterable<string>, prefix = ''): string {
  const match = closest(word, candidates, prefix);
  return match === undefined ? '' : `; did you mean ${match}?`;
}
