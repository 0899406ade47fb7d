// Burrow's status numbering, shared by the API, the metrics and the Elasticsearch documents.
import type { GroupStatusName, PartitionStatusName, StatusName } from './types.ts';

export const STATUS_CODE: Readonly<Record<StatusName, number>> = Object.freeze({
  NOTFOUND: 0,
  OK: 1,
  WARN: 2,
  ERR: 3,
  STOP: 4,
  STALL: 5,
  REWIND: 6,
});

export const STATUS_NAMES: readonly StatusName[] = ['NOTFOUND', 'OK', 'WARN', 'ERR', 'STOP', 'STALL', 'REWIND'];

/** The status a partition's verdict gives its group: STOP, STALL and REWIND count as ERR. */
export function groupStatusOf(status: PartitionStatusName): Exclude<GroupStatusName, 'NOTFOUND'> {
  return STATUS_CODE[status] > STATUS_CODE.ERR ? 'ERR' : (status as 'OK' | 'WARN');
}
