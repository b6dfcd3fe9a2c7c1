/** A campaign file's problems as the API reports them: the field, the message, and the line when it can be found. */
import { isMap, LineCounter, parseDocument } from 'yaml';
import type { CampaignProblem } from '../../campaigns/index.ts';

export interface YamlProblem {
  field: string;
  message: string;
  line?: number;
}

export function withLines(yaml: string, problems: readonly CampaignProblem[]): YamlProblem[] {
  const lineCounter = new LineCounter();
  const document = parseDocument(yaml, { lineCounter });
  return problems.map(({ field, message }) => {
    const path = field ? field.split('.').map((part) => (/^\d+$/.test(part) ? Number(part) : part)) : [];
    const line = lineOf(document, lineCounter, path);
    return { field, message, ...(line ? { line } : {}) };
  });
}

/** The line of the field's value, or of the nearest enclosing mapping that has it (an unknown or missing key). */
function lineOf(document: ReturnType<typeof parseDocument>, lineCounter: LineCounter, path: Array<string | number>): number | undefined {
  for (let length = path.length; length > 0; length -= 1) {
    const prefix = path.slice(0, length);
    const parent = length > 1 ? document.getIn(prefix.slice(0, -1), true) : document.contents;
    if (isMap(parent)) {
      const pair = parent.items.find((item) => (item.key as { value?: unknown } | null)?.value === prefix.at(-1));
      const range = (pair?.key as { range?: [number, number, number] } | null)?.range;
      if (range) return lineCounter.linePos(range[0]).line;
    }
  }
  return undefined;
}
