// The Elasticsearch datasources: one per document kind, because Grafana sets the index per datasource.
// UIDs are pinned here and used by every dashboard target, variable, annotation and alert rule.
import type { DocKind } from '../../collector/types.ts';

export interface DatasourceDef {
  kind: DocKind;
  uid: string;
  name: string;
  /** Index pattern: the sink's daily indices `warren-<kind>-YYYY.MM.DD`, matched with a wildcard. */
  index: string;
  isDefault: boolean;
}

/** The sink's default index prefix. A different prefix means editing the index patterns below. */
export const INDEX_PREFIX = 'warren';

function ds(kind: DocKind, name: string, isDefault = false): DatasourceDef {
  return { kind, uid: `warren-${kind}`, name, index: `${INDEX_PREFIX}-${kind}-*`, isDefault };
}

export const DATASOURCES: Readonly<Record<DocKind, DatasourceDef>> = {
  partition: ds('partition', 'Warren partitions'),
  group: ds('group', 'Warren groups', true),
  event: ds('event', 'Warren events'),
  heartbeat: ds('heartbeat', 'Warren heartbeats'),
};

export const TIME_FIELD = '@timestamp';
/** The collector's default cycle; the floor of `$__interval` on every datasource. */
export const MIN_INTERVAL = '30s';

export interface DatasourceRef {
  type: 'elasticsearch';
  uid: string;
}

export function dsRef(kind: DocKind): DatasourceRef {
  return { type: 'elasticsearch', uid: DATASOURCES[kind].uid };
}

export function kindOfUid(uid: string): DocKind | undefined {
  return (Object.values(DATASOURCES) as DatasourceDef[]).find((d) => d.uid === uid)?.kind;
}

/**
 * Provisioning file for the datasources. Only the credentials come from the environment: the URL is the
 * compose service name, and WARREN_ES_USERNAME / WARREN_ES_PASSWORD may stay empty for an Elasticsearch
 * without security (an empty basic-auth header is ignored there).
 */
export function datasourceProvisioning(): Record<string, unknown> {
  return {
    apiVersion: 1,
    datasources: (Object.values(DATASOURCES) as DatasourceDef[]).map((d) => ({
      name: d.name,
      uid: d.uid,
      type: 'elasticsearch',
      access: 'proxy',
      orgId: 1,
      url: 'http://elasticsearch:9200',
      isDefault: d.isDefault,
      editable: false,
      version: 1,
      basicAuth: true,
      basicAuthUser: '${WARREN_ES_USERNAME}',
      secureJsonData: { basicAuthPassword: '${WARREN_ES_PASSWORD}' },
      jsonData: {
        index: d.index,
        timeField: TIME_FIELD,
        timeInterval: MIN_INTERVAL,
        maxConcurrentShardRequests: 5,
        logMessageField: '',
        logLevelField: '',
        includeFrozen: false,
      },
    })),
  };
}
