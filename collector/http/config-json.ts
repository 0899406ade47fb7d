// Warren's configuration in the shapes of Burrow's config endpoints (burrow-spec.md §5.3, §5.8). Warren has one
// storage and one evaluator (shown as modules named "default") and one Kafka reader per cluster (shown as both
// the cluster module and the consumer module of that name). Secrets (SASL passwords, the API token) are never
// part of any shape; only file paths and user names are.
import type { ClusterConfig, CollectorConfig } from '../config.ts';
import type { ApiConfig } from './config.ts';

const seconds = (ms: number): number => Math.round(ms / 1000);

export function clientProfile(cluster: string, config: ClusterConfig) {
  return {
    name: cluster,
    'client-id': config.clientId,
    // Warren negotiates API versions with each broker instead of being told a Kafka version.
    'kafka-version': 'auto',
    tls: config.tls.enabled
      ? {
          name: cluster,
          noverify: config.tls.insecureSkipVerify,
          certfile: config.tls.certFile ?? '',
          keyfile: config.tls.keyFile ?? '',
          cafile: config.tls.caFile ?? '',
        }
      : null,
    sasl: config.sasl
      ? { name: cluster, 'handshake-first': true, username: config.sasl.username, mechanism: config.sasl.mechanism }
      : null,
  };
}

/** GET /v3/kafka/{cluster} and /v3/config/cluster/{cluster}. Warren reads topics and offsets every cycle. */
export function clusterModule(cluster: string, config: ClusterConfig, collector: CollectorConfig) {
  return {
    'class-name': 'kafka',
    servers: [...config.brokers],
    'client-profile': clientProfile(cluster, config),
    'topic-refresh': seconds(collector.interval),
    'offset-refresh': seconds(collector.interval),
  };
}

/** GET /v3/config/consumer/{cluster}: Warren reads committed offsets with OffsetFetch, every cycle. */
export function consumerModule(cluster: string, config: ClusterConfig) {
  return {
    'class-name': 'kafka',
    cluster,
    servers: [...config.brokers],
    'group-allowlist': config.groupAllowlist ?? '',
    'group-denylist': config.groupDenylist ?? '',
    'zookeeper-path': '',
    'zookeeper-timeout': 0,
    'client-profile': clientProfile(cluster, config),
    'offsets-topic': '__consumer_offsets',
    'start-latest': false,
  };
}

/** GET /v3/config/storage/default: one window entry per cycle, so min-distance is the cycle interval. */
export function storageModule(collector: CollectorConfig) {
  return {
    'class-name': 'inmemory',
    intervals: collector.intervals,
    'min-distance': seconds(collector.interval),
    'group-allowlist': '',
    'expire-group': seconds(collector.expireGroup),
  };
}

/** GET /v3/config/evaluator/default: results are computed once per cycle and served until the next. */
export function evaluatorModule(collector: CollectorConfig) {
  return {
    'class-name': 'caching',
    'expire-cache': seconds(collector.interval),
    'minimum-complete': collector.minimumComplete,
    'allowed-lag': collector.allowedLag,
  };
}

function listenAddress(api: ApiConfig): string {
  return `${api.address.includes(':') ? `[${api.address}]` : api.address}:${api.port}`;
}

/** GET /v3/config: Burrow's main config; Warren logs to stdout and needs no ZooKeeper. */
export function mainConfig(api: ApiConfig, logLevel: string) {
  return {
    general: { pidfile: '', 'stdout-logfile': '', 'access-control-allow-origin': api.accessControlAllowOrigin },
    logging: {
      filename: '',
      'max-size': 0,
      'max-backups': 0,
      'max-age': 0,
      'use-local-time': false,
      'use-compression': false,
      level: logLevel,
    },
    zookeeper: { servers: [] as string[], timeout: 0, 'root-path': '' },
    httpserver: { default: { address: listenAddress(api), tls: api.tls ? 'default' : '', timeout: seconds(api.requestTimeout) } },
  };
}
