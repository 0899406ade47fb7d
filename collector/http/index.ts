// The HTTP server's public surface: what the service wires (see README.md).
export { ApiConfigError, apiConfigSchema, resolveToken, type ApiConfig } from './config.ts';
export { createMetrics, WarrenMetrics, type MetricsOptions, type SinkStats, type SinkStatsSource } from './metrics.ts';
export { createHttpServer, type HttpServer, type HttpServerOptions } from './server.ts';
