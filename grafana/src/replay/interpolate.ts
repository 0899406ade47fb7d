// Dashboard variables in Lucene queries, formatted the way Grafana's Elasticsearch datasource does
// (grafana.md §2.3): one value is Lucene-escaped, several become ("a" OR "b"), and "All" with a custom
// allValue is inserted as it is (`*`).

export type VariableValue = string | string[] | { all: true };

const LUCENE_SPECIAL = /([!*+\-=<>\s&|()[\]{}^~?:\\/"])/g;

export function luceneEscape(value: string): string {
  if (value.trim() !== '' && !Number.isNaN(Number(value))) return value;
  return value.replace(LUCENE_SPECIAL, '\\$1');
}

export function luceneFormat(value: string | string[]): string {
  if (typeof value === 'string') return luceneEscape(value);
  if (value.length === 1) return luceneEscape(value[0]!);
  return `(${value.map((v) => `"${luceneEscape(v)}"`).join(' OR ')})`;
}

/** Replaces `$name`, `${name}` and `[[name]]` with the variable's value; unknown names are left alone. */
export function interpolate(query: string, values: Record<string, VariableValue>, allValue = '*'): string {
  return query.replace(/\$\{(\w+)\}|\$(\w+)|\[\[(\w+)\]\]/g, (whole, a: string | undefined, b: string | undefined, c: string | undefined) => {
    const name = (a ?? b ?? c)!;
    if (!(name in values)) return whole;
    const v = values[name]!;
    if (typeof v === 'object' && !Array.isArray(v)) return allValue;
    return luceneFormat(v);
  });
}
