// What every route module needs: the state, the configuration to show, the server's hostname, the metrics.
import type { Logger } from 'pino';
import type { ClusterConfig, CollectorConfig } from '../config.ts';
import type { StateView } from '../types.ts';
import type { ApiConfig } from './config.ts';
import type { WarrenMetrics } from './metrics.ts';

export interface RouteContext {
  state: StateView;
  api: ApiConfig;
  clusterConfigs: Readonly<Record<string, ClusterConfig>>;
  collector: CollectorConfig;
  logger: Logger;
  metrics: WarrenMetrics;
  /** os.hostname(): Burrow's `request.host`. */
  host: string;
}

/** Path parameters as the router gives them (percent-decoded). */
export type Params = Record<string, string>;
