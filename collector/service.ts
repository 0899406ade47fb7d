// `warren run`: the long-running service. Wires config → logger → sinks → collector → HTTP API, and shuts
// down cleanly on SIGINT/SIGTERM.
import type { WarrenConfig } from './config.ts';
import { Collector } from './collector.ts';
import { createLogger } from './logger.ts';

export async function startService(config: WarrenConfig): Promise<void> {
  const logger = createLogger(config.logging.level);
  const collector = new Collector({ config, logger });
  logger.info(
    { clusters: Object.keys(config.clusters), interval: config.collector.interval, intervals: config.collector.intervals },
    'warren starting',
  );
  collector.start();
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info({ signal }, 'warren stopping');
      collector.stop().then(resolve, resolve);
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}
