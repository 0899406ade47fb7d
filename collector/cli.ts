#!/usr/bin/env node
// The `warren` command: `run` (the collector service), `describe` (one group, from live scrapes),
// `check-config`. Exit codes: 0 ok, 1 runtime failure (e.g. the cluster cannot be reached), 2 bad usage or config.
import { setTimeout as sleep } from 'node:timers/promises';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { Collector } from './collector.ts';
import { ConfigError, configSchema, loadConfig, type WarrenConfig } from './config.ts';
import { describeJson, describeRows, formatTable } from './describe.ts';
import { createLogger } from './logger.ts';
import { startService } from './service.ts';

export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = EXIT_FAILURE) {
    super(message);
    this.exitCode = exitCode;
  }
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number of at least 1');
  return n;
}

function durationMs(value: string): number {
  const result = configSchema.shape.collector.unwrap().shape.interval.safeParse(/^\d+(\.\d+)?$/.test(value) ? Number(value) : value);
  if (!result.success) throw new InvalidArgumentError('expected a duration such as 500ms, 2s, 1m');
  return result.data;
}

/** The config for describe: the file's, or one made from --bootstrap-server (then the cluster is "default"). */
function describeConfig(options: { config?: string; bootstrapServer?: string; cluster?: string; commandConfig?: never }): { config: WarrenConfig; cluster: string } {
  if (options.bootstrapServer) {
    const cluster = options.cluster ?? 'default';
    const parsed = configSchema.safeParse({ clusters: { [cluster]: { brokers: options.bootstrapServer.split(',') } } });
    if (!parsed.success) throw new CliError(`--bootstrap-server ${JSON.stringify(options.bootstrapServer)}: ${parsed.error.issues[0]?.message}`, EXIT_USAGE);
    return { config: parsed.data, cluster };
  }
  if (!options.config) throw new CliError('describe needs --bootstrap-server or --config', EXIT_USAGE);
  const config = loadConfig(options.config);
  const names = Object.keys(config.clusters);
  const cluster = options.cluster ?? (names.length === 1 ? names[0]! : undefined);
  if (!cluster) throw new CliError(`--cluster is needed: the config has ${names.join(', ')}`, EXIT_USAGE);
  if (!config.clusters[cluster]) throw new CliError(`--cluster ${cluster}: not in ${options.config} (it has ${names.join(', ')})`, EXIT_USAGE);
  return { config: { ...config, clusters: { [cluster]: config.clusters[cluster]! } }, cluster };
}

export function buildProgram(): Command {
  const program = new Command('warren')
    .description('Kafka consumer-lag monitoring: Burrow-style status for every consumer group')
    .showHelpAfterError()
    .exitOverride();

  program
    .command('run')
    .description('run the collector service: read every cluster each interval, judge every group, serve the API')
    .requiredOption('-c, --config <file>', 'YAML config file (see config/warren.reference.yaml)', process.env.WARREN_CONFIG)
    .action(async (options: { config: string }) => {
      const config = loadConfig(options.config);
      await startService(config);
    });

  program
    .command('describe')
    .description('print the partitions of one group like kafka-consumer-groups.sh --describe, plus STATUS')
    .requiredOption('-g, --group <group>', 'consumer group')
    .option('--cluster <name>', 'cluster name from the config')
    .option('-c, --config <file>', 'YAML config file')
    .option('--bootstrap-server <host:port,...>', 'brokers to read (no config file needed)')
    .option('--samples <n>', 'scrapes to take; the status rules judge a window of this many samples', positiveInt, 1)
    .option('--sample-interval <duration>', 'time between samples', durationMs, 5000)
    .option('--json', 'print JSON')
    .action(async (options: { group: string; cluster?: string; config?: string; bootstrapServer?: string; samples: number; sampleInterval: number; json?: boolean }) => {
      const { config, cluster } = describeConfig(options);
      const logger = createLogger('silent');
      const collector = new Collector({ config, logger });
      try {
        let report;
        for (let i = 0; i < options.samples; i++) {
          if (i > 0) await sleep(options.sampleInterval);
          const cycle = await collector.runCycle(cluster);
          if (!cycle.report.ok) {
            const error = cycle.report.errors[0];
            throw new CliError(`cluster ${cluster} (${config.clusters[cluster]!.brokers.join(',')}): ${error?.message ?? 'unreachable'}`);
          }
          report = collector.state.groupReport(cluster, options.group);
        }
        if (!report) throw new CliError(`consumer group ${JSON.stringify(options.group)} does not exist in cluster ${cluster}`);
        process.stdout.write(options.json ? `${JSON.stringify(describeJson(report), null, 2)}\n` : `${formatTable(describeRows(report))}\n`);
      } finally {
        await collector.stop();
      }
    });

  program
    .command('check-config')
    .description('validate a config file and print it with defaults filled in (secrets hidden)')
    .requiredOption('-c, --config <file>', 'YAML config file', process.env.WARREN_CONFIG)
    .action((options: { config: string }) => {
      const config = loadConfig(options.config);
      const shown = JSON.parse(JSON.stringify(config, (key, value) => (/password|token|apiKey|secret/i.test(key) && value ? '(hidden)' : value)));
      process.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
    });

  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`warren: ${error.message}\n`);
      return EXIT_USAGE;
    }
    if (error instanceof CliError) {
      process.stderr.write(`warren: ${error.message}\n`);
      return error.exitCode;
    }
    process.stderr.write(`warren: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT_FAILURE;
  }
}

if (import.meta.main) {
  const code = await main(process.argv.slice(2));
  if (code !== 0 || !['run'].includes(process.argv[2] ?? '')) process.exit(code);
}
