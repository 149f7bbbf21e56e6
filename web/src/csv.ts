/** CSV (RFC 4180): every field quoted, quotes doubled; cells that a spreadsheet would run as a formula are prefixed with '. */
export function csvRow(values: readonly string[]): string {
  return values.map((value) => `"${(/^[=+\-@\t\r]/.test(value) ? `'${value}` : value).replace(/"/g, '""')}"`).join(',') + '\r\n';
}
