/** The pieces console pages are made of: accessible by construction (captions, headers, labels, described errors). */
import { type Html, html } from './html.ts';

export interface Column<Row> {
  header: string;
  cell: (row: Row) => Html | string | number;
  /** Right-aligned figures. */
  numeric?: boolean;
}

/** A table with a caption and column headers; an empty one says so in a row of its own. */
export function table<Row>(caption: string, columns: ReadonlyArray<Column<Row>>, rows: readonly Row[], empty = 'None.'): Html {
  const numeric = (column: Column<Row>) => (column.numeric ? html` class="num"` : '');
  const head = columns.map((column) => html`<th scope="col"${numeric(column)}>${column.header}</th>`);
  const body =
    rows.length === 0
      ? html`<tr><td colspan="${columns.length}">${empty}</td></tr>`
      : rows.map((row) => html`<tr>${columns.map((column) => html`<td${numeric(column)}>${column.cell(row)}</td>`)}</tr>`);
  return html`<div class="table-wrap"><table><caption>${caption}</caption><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></div>`;
}

export interface FieldOptions {
  name: string;
  label: string;
  /** The control itself; given the id and the aria attributes the label, hint and errors need. */
  control: (attributes: Html) => Html;
  hint?: string;
  errors?: readonly string[];
}

/** A labelled control with its hint and its errors tied to it by aria-describedby. */
export function field(options: FieldOptions): Html {
  const { name, label, control, hint, errors = [] } = options;
  const id = `field-${name}`;
  const described = [hint && `${id}-hint`, errors.length > 0 && `${id}-errors`].filter(Boolean).join(' ');
  const attributes = html`id="${id}" name="${name}"${described && html` aria-describedby="${described}"`}${errors.length > 0 && html` aria-invalid="true"`}`;
  return html`<div class="field"><label for="${id}">${label}</label>${control(attributes)}${hint && html`<p class="hint" id="${id}-hint">${hint}</p>`}${
    errors.length > 0 && html`<ul class="field-errors" id="${id}-errors">${errors.map((error) => html`<li>${error}</li>`)}</ul>`
  }</div>`;
}

export function input(type: string, value = '', extra: Html | string = ''): FieldOptions['control'] {
  return (attributes) => html`<input type="${type}" ${attributes} value="${value}" ${extra}>`;
}

export function select(options: ReadonlyArray<{ value: string; label: string }>, selected = ''): FieldOptions['control'] {
  return (attributes) =>
    html`<select ${attributes}>${options.map(
      (option) => html`<option value="${option.value}"${option.value === selected && html` selected`}>${option.label}</option>`,
    )}</select>`;
}

/** Label–value pairs; absent values print a dash so every row is read. */
export function facts(pairs: ReadonlyArray<[string, Html | string | number | null | undefined]>): Html {
  return html`<dl class="facts">${pairs.map(([term, value]) => html`<dt>${term}</dt><dd>${value ?? '–'}</dd>`)}</dl>`;
}

/** A unified diff with added and removed lines marked for sight and for screen readers. */
export function diff(text: string): Html {
  const lines = text.split('\n').map((line) => {
    if (line.startsWith('+') && !line.startsWith('+++'))
      return html`<span class="add"><span class="visually-hidden">added: </span>${line}</span>`;
    if (line.startsWith('-') && !line.startsWith('---'))
      return html`<span class="del"><span class="visually-hidden">removed: </span>${line}</span>`;
    return html`${line}\n`;
  });
  return html`<pre class="diff">${lines}</pre>`;
}

export function when(date: Date | null | undefined): Html | string {
  return date ? html`<time datetime="${date.toISOString()}">${date.toISOString().replace('T', ' ').slice(0, 16)} UTC</time>` : '–';
}

export function status(value: string): Html {
  return html`<span class="status">${value.replace('_', ' ')}</span>`;
}
