// The Elasticsearch field types the Grafana side relies on, per document kind. Keys are checked against the
// document types in collector/types.ts at compile time; the unit tests compare these types with the index
// templates in elasticsearch/ once they exist, and the integration scenario uses them as the explicit mapping
// until then (test/helpers/grafana-scenario.ts).
import type { DocKind, EventDoc, GroupDoc, HeartbeatDoc, PartitionDoc } from '../../collector/types.ts';

export type FieldType = 'date' | 'keyword' | 'long' | 'integer' | 'short' | 'byte' | 'float' | 'boolean' | 'text' | 'unindexed';

type FieldsOf<T> = Partial<Record<keyof T & string, FieldType>>;

export const PARTITION_FIELDS = {
  '@timestamp': 'date',
  cluster: 'keyword',
  group: 'keyword',
  topic: 'keyword',
  partition: 'integer',
  committed_offset: 'long',
  log_end_offset: 'long',
  lag: 'long',
  status: 'keyword',
  status_code: 'byte',
  owner: 'keyword',
  client_id: 'keyword',
  member_id: 'keyword',
  complete: 'float',
  reason: 'keyword',
  reason_detail: 'unindexed',
  time_lag_ms: 'long',
  time_lag_kind: 'keyword',
  lag_velocity: 'float',
  log_start_offset: 'long',
  catch_up_ms: 'long',
  data_loss_ms: 'long',
} as const satisfies FieldsOf<PartitionDoc>;

export const GROUP_FIELDS = {
  '@timestamp': 'date',
  cluster: 'keyword',
  group: 'keyword',
  status: 'keyword',
  status_code: 'byte',
  total_lag: 'long',
  max_lag: 'long',
  max_lag_topic: 'keyword',
  max_lag_partition: 'integer',
  partition_count: 'integer',
  complete: 'float',
  state: 'keyword',
  group_type: 'keyword',
  member_count: 'integer',
  reason: 'keyword',
  reason_detail: 'unindexed',
  max_time_lag_ms: 'long',
  lag_velocity: 'float',
  catch_up_ms: 'long',
  data_loss_ms: 'long',
  trend: 'keyword',
  rebalancing: 'boolean',
  judged_status: 'keyword',
  epoch: 'integer',
} as const satisfies FieldsOf<GroupDoc>;

export const EVENT_FIELDS = {
  '@timestamp': 'date',
  cluster: 'keyword',
  group: 'keyword',
  kind: 'keyword',
  from_status: 'keyword',
  to_status: 'keyword',
  from_code: 'byte',
  to_code: 'byte',
  topic: 'keyword',
  partition: 'integer',
  reason: 'keyword',
  message: 'text',
  epoch: 'integer',
  previous_epoch: 'integer',
  state: 'keyword',
  previous_state: 'keyword',
  member_count: 'integer',
  members_joined: 'keyword',
  members_left: 'keyword',
  client_ids: 'keyword',
  previous_client_ids: 'keyword',
  hosts: 'keyword',
  previous_hosts: 'keyword',
} as const satisfies FieldsOf<EventDoc>;

export const HEARTBEAT_FIELDS = {
  '@timestamp': 'date',
  cluster: 'keyword',
  ok: 'boolean',
  cycle_duration_ms: 'long',
  groups: 'integer',
  partitions: 'integer',
  topics: 'integer',
  errors: 'integer',
  error_message: 'text',
  spool_bytes: 'long',
  docs_indexed_total: 'long',
  bulk_failures_total: 'long',
  docs_dropped_total: 'long',
} as const satisfies FieldsOf<HeartbeatDoc>;

export const FIELDS: Readonly<Record<DocKind, Readonly<Record<string, FieldType>>>> = {
  partition: PARTITION_FIELDS,
  group: GROUP_FIELDS,
  event: EVENT_FIELDS,
  heartbeat: HEARTBEAT_FIELDS,
};

export const NUMERIC_TYPES: ReadonlySet<string> = new Set([
  'long', 'integer', 'short', 'byte', 'double', 'float', 'half_float', 'scaled_float', 'unsigned_long',
]);
