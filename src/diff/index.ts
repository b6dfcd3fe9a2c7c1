/**
 * A line diff for people: what changed between two versions of a campaign's YAML or of a prompt's text, each
 * line marked `+ ` (added), `- ` (removed) or `  ` (kept). Longest common subsequence over lines: the texts
 * are short (a campaign file, a message), so the quadratic table is small.
 */
export function lineDiff(before: string, after: string): string {
  const [a, b] = [before === '' ? [] : before.split('\n'), after === '' ? [] : after.split('\n')];
  // lcs(i, j): the length of the longest common subsequence of a[i..] and b[j..].
  const width = b.length + 1;
  const table = new Uint32Array((a.length + 1) * width);
  const lcs = (i: number, j: number) => table[i * width + j] ?? 0;
  for (let i = a.length - 1; i >= 0; i -= 1) {
    for (let j = b.length - 1; j >= 0; j -= 1) {
      table[i * width + j] = a[i] === b[j] ? lcs(i + 1, j + 1) + 1 : Math.max(lcs(i + 1, j), lcs(i, j + 1));
    }
  }
  const lines: string[] = [];
  let [i, j] = [0, 0];
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      lines.push(`  ${a[i]}`);
      [i, j] = [i + 1, j + 1];
    } else if (j < b.length && (i === a.length || lcs(i, j + 1) > lcs(i + 1, j))) {
      lines.push(`+ ${b[j]}`);
      j += 1;
    } else {
      lines.push(`- ${a[i]}`);
      i += 1;
    }
  }
  return lines.join('\n');
}
