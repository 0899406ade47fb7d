// What Telegraf's burrow input (plugins/inputs/burrow, burrow-spec.md §0.20, peers.md §1.2) asks and how it reads
// the answers: one Go struct decoded with encoding/json. This checks a body the way that decoding would
// (a JSON type that does not fit the Go field type is an error; null leaves the zero value; unknown keys are
// ignored) and returns what Telegraf keeps.

type GoType = 'string' | 'int64' | 'int32' | 'int' | 'bool';

function decodeScalar(value: unknown, type: GoType, path: string): void {
  if (value === null || value === undefined) return; // null → zero value
  if (type === 'string') {
    if (typeof value !== 'string') throw new Error(`${path}: cannot unmarshal ${typeof value} into Go string`);
    return;
  }
  if (type === 'bool') {
    if (typeof value !== 'boolean') throw new Error(`${path}: cannot unmarshal ${typeof value} into Go bool`);
    return;
  }
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new Error(`${path}: cannot unmarshal ${JSON.stringify(value)} into Go ${type}`);
  if (type === 'int32' && (value < -(2 ** 31) || value >= 2 ** 31)) throw new Error(`${path}: ${value} overflows int32`);
}

function decodeArray(value: unknown, path: string, item: (v: unknown, p: string) => void): void {
  if (value === null || value === undefined) return;
  if (!Array.isArray(value)) throw new Error(`${path}: cannot unmarshal ${typeof value} into Go slice`);
  value.forEach((v, i) => item(v, `${path}[${i}]`));
}

function decodeObject(value: unknown, path: string, fields: Record<string, (v: unknown, p: string) => void>): void {
  if (value === null || value === undefined) return;
  if (typeof value !== 'object' || Array.isArray(value)) throw new Error(`${path}: cannot unmarshal into Go struct`);
  for (const [key, decode] of Object.entries(fields)) decode((value as Record<string, unknown>)[key], `${path}.${key}`);
}

const lagItem = (v: unknown, p: string) =>
  decodeObject(v, p, {
    offset: (x, q) => decodeScalar(x, 'int64', q),
    timestamp: (x, q) => decodeScalar(x, 'int64', q),
    lag: (x, q) => decodeScalar(x, 'int64', q),
  });

const statusLag = (v: unknown, p: string) =>
  decodeObject(v, p, {
    topic: (x, q) => decodeScalar(x, 'string', q),
    partition: (x, q) => decodeScalar(x, 'int32', q),
    status: (x, q) => decodeScalar(x, 'string', q),
    start: lagItem,
    end: lagItem,
    current_lag: (x, q) => decodeScalar(x, 'int64', q),
    owner: (x, q) => decodeScalar(x, 'string', q),
  });

/** Telegraf's apiResponse: one struct for every endpoint it reads. Throws where Go's decoding would fail. */
export function telegrafDecode(body: unknown): void {
  decodeObject(body, '$', {
    clusters: (v, p) => decodeArray(v, p, (x, q) => decodeScalar(x, 'string', q)),
    consumers: (v, p) => decodeArray(v, p, (x, q) => decodeScalar(x, 'string', q)),
    topics: (v, p) => decodeArray(v, p, (x, q) => decodeScalar(x, 'string', q)),
    offsets: (v, p) => decodeArray(v, p, (x, q) => decodeScalar(x, 'int64', q)),
    status: (v, p) =>
      decodeObject(v, p, {
        partitions: (x, q) => decodeArray(x, q, statusLag),
        status: (x, q) => decodeScalar(x, 'string', q),
        partition_count: (x, q) => decodeScalar(x, 'int', q),
        maxlag: statusLag,
        totallag: (x, q) => decodeScalar(x, 'int64', q),
      }),
  });
}

/** The requests Telegraf's burrow input makes each interval, with the default api_prefix /v3/kafka. */
export function telegrafRequests(clusters: string[], topics: Record<string, string[]>, groups: Record<string, string[]>): string[] {
  const urls = ['/v3/kafka'];
  for (const cluster of clusters) {
    urls.push(`/v3/kafka/${cluster}/topic`);
    for (const topic of topics[cluster] ?? []) urls.push(`/v3/kafka/${cluster}/topic/${encodeURIComponent(topic)}`);
    urls.push(`/v3/kafka/${cluster}/consumer`);
    for (const group of groups[cluster] ?? []) urls.push(`/v3/kafka/${cluster}/consumer/${encodeURIComponent(group)}/lag`);
  }
  return urls;
}
