/**
 * Progress of a long dry run on stderr: a bar redrawn in place when stderr is a terminal, nothing otherwise (a
 * pipe or a log file gets no control characters and no noise).
 */
import type { DryRunProgress } from '../pipeline/index.ts';

const BAR_WIDTH = 30;

/** One line of progress, without line control (pure). */
export function progressLine(progress: DryRunProgress): string {
  if (progress.phase === 'search') {
    const of = progress.total === undefined ? '' : ` of ${progress.total}`;
    return `searching: ${progress.matched}${of} matches, ${progress.pages} pages`;
  }
  const { done, total } = progress;
  const filled = total === 0 ? BAR_WIDTH : Math.floor((done / total) * BAR_WIDTH);
  return `deciding: [${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${done}/${total} candidates`;
}

/** Redraws the line in place on a terminal; undefined (no progress) for anything else. */
export function progressReporter(stream: {
  isTTY?: boolean;
  write(text: string): unknown;
}): ((progress: DryRunProgress) => void) | undefined {
  if (!stream.isTTY) return undefined;
  return (progress) => {
    const finished = progress.phase === 'decide' && progress.done === progress.total;
    // \r and "erase line": the new line replaces the old, however long it was.
    stream.write(`\r\u001b[2K${progressLine(progress)}${finished ? '\n' : ''}`);
  };
}
