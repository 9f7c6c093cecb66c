/**
 * The README's configuration table, rendered from the table of config fields. A unit test fails while README.md
 * differs from it; `make readme-config` rewrites it.
 */
import { configFieldEntries } from './config-fields.js';
import { envName, flagName, type ConfigField } from './config-kinds.js';

/** The README line after which the configuration table stands. */
export const CONFIG_TABLE_MARK =
  '<!-- The table below is made from broker/config-fields.ts: edit there, then run `make readme-config`. -->';

const HEADER = ['flag', 'environment variable', 'unit', 'default', 'meaning'] as const;

/** The configuration table in markdown, one row per field, laid out as prettier lays out a table. */
export function renderConfigTable(
  fields: readonly (readonly [string, ConfigField<unknown>])[] = configFieldEntries(),
): string {
  const rows = fields.map(([name, field]) => {
    const names = [name, ...field.aliases];
    return [
      names.map((n) => `\`${flagName(n)}\``).join(', '),
      names.map((n) => `\`${envName(n)}\``).join(', '),
      field.unit ?? '',
      field.defaultText,
      field.doc,
    ].map(escapeCell);
  });
  const widths = HEADER.map((title, column) =>
    Math.max(3, title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' | ')} |`;
  return [line(HEADER), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

/**
 * `readme` with the table that follows {@link CONFIG_TABLE_MARK} replaced by {@link renderConfigTable}, a blank line
 * on either side; throws when the mark is missing.
 */
export function withConfigTable(readme: string): string {
  const lines = readme.split('\n');
  const mark = lines.indexOf(CONFIG_TABLE_MARK);
  if (mark < 0) throw new Error(`README.md lacks the line that marks the configuration table: ${CONFIG_TABLE_MARK}`);
  let end = mark + 1;
  while (lines[end] === '') end++;
  while (lines[end]?.startsWith('|') === true) end++;
  while (lines[end] === '') end++;
  return [...lines.slice(0, mark + 1), '', renderConfigTable(), '', ...lines.slice(end)].join('\n');
}

/** A cell's text: a `|` would end the cell. */
function escapeCell(text: string): string {
  return text.replaceAll('|', '\\|');
}
