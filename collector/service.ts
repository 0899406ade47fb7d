// `warren run`: the long-running service. Wires config → logger → sinks → collector → HTTP API and metrics,
// and shuts down cleanly on SIGINT/SIGTERM (the Elasticsearch spool keeps what was not sent).
import type { WarrenConfig } from './config.ts';
import { Collector } from './collector.ts';
import { createHttpServer, createMetrics } from './http/index.ts';
import { createLogger } from './logger.ts';
import { createElasticsearchSink, type ElasticsearchSink } from './sinks/elasticsearch.ts';
import type { Sink } from './types.ts';

export async function startService(config: WarrenConfig): Promise<void> {
  const logger = createLogger(config.logging.level);
  const sinks: Sink[] = [];
  let elasticsearch: ElasticsearchSink | undefined;
  if (config.elasticsearch) {
    elasticsearch = createElasticsearchSink(config.elasticsearch, logger);
    sinks.push(elasticsearch);
  }
  const collector = new Collector({ config, logger, sinks });
  const metrics = createMetrics({
    state: collector.state,
    partitionTimeLag: config.api.partitionTimeLagMetrics,
    ...(elasticsearch ? { sinkStats: () => elasticsearch.stats() } : {}),
  });
  collector.onCycle((report, events) => metrics.sink.write(report, events));
  const server = createHttpServer({
    state: collector.state,
    config: config.api,
    logger,
    clusterConfigs: config.clusters,
    collectorConfig: config.collector,
    metrics,
  });

  logger.info(
    {
      clusters: Object.keys(config.clusters),
      interval: config.collector.interval,
      intervals: config.collector.intervals,
      elasticsearch: elasticsearch ? config.elasticsearch!.urls : null,
    },
    'warren starting',
  );
  if (config.api.enabled) {
    const address = await server.listen();
    logger.info({ address }, `API listening on ${address}`);
  }
  collector.start();

  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info({ signal }, 'warren stopping');
      Promise.allSettled([server.close(), collector.stop()]).then(() => resolve());
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}
