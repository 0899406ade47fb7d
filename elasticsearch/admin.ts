// Administrative helpers around Warren's indices and templates: list them, count documents, measure bytes on
// disk, and remove everything of one prefix (tests, the benchmark, an uninstall). Names are always explicit.
import type { Client } from '@elastic/elasticsearch';
import { DOC_KINDS, customComponentName, indexTemplateName, mappingsComponentName, settingsComponentName, sharedCustomComponentName } from './templates.ts';

/** Index names matching `<pattern>` (wildcards allowed), sorted; [] when none. */
export async function listIndices(client: Client, pattern: string): Promise<string[]> {
  const rows = await client.transport.request<{ index: string }[]>({
    method: 'GET',
    path: `/_cat/indices/${encodeURIComponent(pattern).replace(/%2A/g, '*')}`,
    querystring: { format: 'json', h: 'index', expand_wildcards: 'all' },
  });
  return rows.map((row) => row.index).sort();
}

/** Deletes indices by explicit name (a few per request). */
export async function deleteIndices(client: Client, names: readonly string[]): Promise<void> {
  for (let i = 0; i < names.length; i += 50) {
    await client.indices.delete({ index: names.slice(i, i + 50), ignore_unavailable: true });
  }
}

/** Removes every index, index template and component template of a prefix (Warren's and the @custom ones). */
export async function removePrefix(client: Client, prefix: string): Promise<void> {
  await deleteIndices(client, await listIndices(client, `${prefix}-*`));
  for (const kind of DOC_KINDS) {
    await client.indices.deleteIndexTemplate({ name: indexTemplateName(prefix, kind) }, { ignore: [404] });
  }
  const components = [settingsComponentName(prefix), sharedCustomComponentName(prefix), ...DOC_KINDS.flatMap((kind) => [mappingsComponentName(prefix, kind), customComponentName(prefix, kind)])];
  for (const name of components) await client.cluster.deleteComponentTemplate({ name }, { ignore: [404] });
}

/** Refreshes and counts the documents of an index pattern. */
export async function countDocs(client: Client, pattern: string, query?: Record<string, unknown>): Promise<number> {
  await client.indices.refresh({ index: pattern, allow_no_indices: true, ignore_unavailable: true });
  const response = await client.count({ index: pattern, allow_no_indices: true, ignore_unavailable: true, ...(query ? { query } : {}) });
  return response.count;
}

/** Primary store size in bytes and document count of an index pattern (after whatever merges happened). */
export async function storeStats(client: Client, pattern: string): Promise<{ bytes: number; docs: number }> {
  const stats = await client.indices.stats({ index: pattern, metric: ['store', 'docs'] });
  return { bytes: stats._all.primaries?.store?.size_in_bytes ?? 0, docs: stats._all.primaries?.docs?.count ?? 0 };
}
