#!/usr/bin/env node
// The `warren` command: `run` (the collector service), `describe` (one group, from live scrapes),
// `offsets snapshot|diff` (a group's committed offsets saved, and what moved since), `compare` (blue/green: has
// the green group caught up with the blue one?), `check-config`.
// Exit codes: 0 ok, 1 runtime failure (the cluster cannot be reached, a group does not exist), 2 bad usage,
// configuration or snapshot file, 3 `compare` only: green has not caught up (or shares no partition with blue).
import { setTimeout as sleep } from 'node:timers/promises';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { Collector } from './collector.ts';
import { compareGroups, formatComparison } from './compare.ts';
import { ConfigError, configSchema, loadConfig, type WarrenConfig } from './config.ts';
import { describeJson, describeRows, formatTable } from './describe.ts';
import { createLogger } from './logger.ts';
import { diffSnapshots, formatDiff, readSnapshot, SnapshotError, snapshotFromReport, snapshotText, writeSnapshot, type OffsetSnapshot } from './offsets.ts';
import { startService } from './service.ts';
import type { GroupReport } from './types.ts';

export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
/** `warren compare`: green has not caught up with blue, or the two groups share no partition. */
export const EXIT_BEHIND = 3;

/** Where the command writes: the process's stdout and stderr unless a caller (a test) gives its own. */
export interface CliOutput {
  out(text: string): void;
  err(text: string): void;
}

const processOutput: CliOutput = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

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

function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number of at least 0');
  return n;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

interface ClusterOptions {
  config?: string;
  bootstrapServer?: string;
  cluster?: string;
}

/**
 * The config for the commands that read a cluster: the file's, or one made from --bootstrap-server (then the
 * cluster is --cluster, else `fallback` — the cluster a snapshot names —, else "default"). With a config file of
 * several clusters, --cluster picks one; `fallback` is used when the file has it.
 */
function describeConfig(options: ClusterOptions, command = 'describe', fallback?: string): { config: WarrenConfig; cluster: string } {
  if (options.bootstrapServer) {
    const cluster = options.cluster ?? fallback ?? 'default';
    const parsed = configSchema.safeParse({ clusters: { [cluster]: { brokers: options.bootstrapServer.split(',') } } });
    if (!parsed.success) throw new CliError(`--bootstrap-server ${JSON.stringify(options.bootstrapServer)}: ${parsed.error.issues[0]?.message}`, EXIT_USAGE);
    return { config: parsed.data, cluster };
  }
  if (!options.config) throw new CliError(`${command} needs --bootstrap-server or --config`, EXIT_USAGE);
  const config = loadConfig(options.config);
  const names = Object.keys(config.clusters);
  const cluster = options.cluster ?? (names.length === 1 ? names[0]! : fallback !== undefined && config.clusters[fallback] ? fallback : undefined);
  if (!cluster) throw new CliError(`--cluster is needed: the config has ${names.join(', ')}`, EXIT_USAGE);
  if (!config.clusters[cluster]) throw new CliError(`--cluster ${cluster}: not in ${options.config} (it has ${names.join(', ')})`, EXIT_USAGE);
  return { config: { ...config, clusters: { [cluster]: config.clusters[cluster]! } }, cluster };
}

/**
 * Scrapes the cluster `samples` times (`interval` ms apart) and returns the last judgement of each group, in
 * the order asked. Fails naming the cluster when it cannot be read, and every group that does not exist.
 */
async function readGroups(target: { config: WarrenConfig; cluster: string }, groups: readonly string[], samples = 1, interval = 0): Promise<GroupReport[]> {
  const { config, cluster } = target;
  const collector = new Collector({ config, logger: createLogger('silent') });
  try {
    for (let i = 0; i < samples; i++) {
      if (i > 0) await sleep(interval);
      const cycle = await collector.runCycle(cluster);
      if (!cycle.report.ok) {
        const error = cycle.report.errors[0];
        throw new CliError(`cluster ${cluster} (${config.clusters[cluster]!.brokers.join(',')}): ${error?.message ?? 'unreachable'}`);
      }
    }
    const reports = groups.map((group) => collector.state.groupReport(cluster, group));
    const missing = groups.filter((_, i) => !reports[i]);
    if (missing.length > 0) {
      const filtered = config.clusters[cluster]!.groupAllowlist !== undefined || config.clusters[cluster]!.groupDenylist !== undefined;
      const names = missing.map((g) => JSON.stringify(g)).join(' and ');
      throw new CliError(
        `consumer group${missing.length > 1 ? 's' : ''} ${names} ${missing.length > 1 ? 'do' : 'does'} not exist in cluster ${cluster}` +
          (filtered ? ` (or ${missing.length > 1 ? 'are' : 'is'} left out by its groupAllowlist/groupDenylist)` : ''),
      );
    }
    return reports as GroupReport[];
  } finally {
    await collector.stop();
  }
}

/** Reads a snapshot file; a missing or invalid file is bad input (exit 2), the message names the file and field. */
function snapshotFile(path: string): OffsetSnapshot {
  try {
    return readSnapshot(path);
  } catch (error) {
    if (error instanceof SnapshotError) throw new CliError(error.message, EXIT_USAGE);
    throw error;
  }
}

/**
 * The command tree. Actions write through `output`; an action that ends with a non-zero exit code (compare:
 * green behind) sets `exit.code`.
 */
export function buildProgram(output: CliOutput = processOutput, exit: { code: number } = { code: 0 }): Command {
  const program = new Command('warren')
    .description('Kafka consumer-lag monitoring: Burrow-style status for every consumer group')
    .configureOutput({ writeOut: output.out, writeErr: output.err })
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
      const [report] = await readGroups(describeConfig(options), [options.group], options.samples, options.sampleInterval);
      output.out(options.json ? `${JSON.stringify(describeJson(report!), null, 2)}\n` : `${formatTable(describeRows(report!))}\n`);
    });

  const offsets = program
    .command('offsets')
    .description("save a group's committed offsets (snapshot) and see what moved since (diff): before and after a deploy");

  offsets
    .command('snapshot')
    .description("the group's committed and log-end offsets now, as a versioned JSON snapshot (stdout, or --output)")
    .requiredOption('-g, --group <group>', 'consumer group')
    .option('--cluster <name>', 'cluster name from the config')
    .option('-c, --config <file>', 'YAML config file')
    .option('--bootstrap-server <host:port,...>', 'brokers to read (no config file needed)')
    .option('-o, --output <file>', 'write the snapshot to this file instead of stdout')
    .action(async (options: ClusterOptions & { group: string; output?: string }) => {
      const [report] = await readGroups(describeConfig(options, 'offsets snapshot'), [options.group]);
      const snapshot = snapshotFromReport(report!);
      if (options.output === undefined) {
        output.out(snapshotText(snapshot));
        return;
      }
      try {
        writeSnapshot(options.output, snapshot);
      } catch (error) {
        if (error instanceof SnapshotError) throw new CliError(error.message);
        throw error;
      }
      output.out(`wrote ${snapshot.partitions.length} partitions of ${snapshot.cluster}/${snapshot.group} at ${snapshot.takenAt} to ${options.output}\n`);
    });

  offsets
    .command('diff')
    .description('what moved between two snapshots; without AFTER, between BEFORE and now (reads the cluster)')
    .argument('<before>', 'snapshot file taken first')
    .argument('[after]', 'snapshot file taken later (default: a snapshot of the same group now)')
    .option('--cluster <name>', 'cluster name from the config (default: the one BEFORE names)')
    .option('-c, --config <file>', 'YAML config file (only without AFTER)')
    .option('--bootstrap-server <host:port,...>', 'brokers to read (only without AFTER)')
    .option('--json', 'print JSON')
    .action(async (beforePath: string, afterPath: string | undefined, options: ClusterOptions & { json?: boolean }) => {
      const before = snapshotFile(beforePath);
      let after: OffsetSnapshot;
      if (afterPath !== undefined) {
        after = snapshotFile(afterPath);
      } else {
        if (!options.bootstrapServer && !options.config) {
          throw new CliError(`offsets diff ${beforePath} without a second file compares with now: it needs --bootstrap-server or --config`, EXIT_USAGE);
        }
        const [report] = await readGroups(describeConfig(options, 'offsets diff', before.cluster), [before.group]);
        after = snapshotFromReport(report!);
      }
      if (before.group !== after.group || before.cluster !== after.cluster) {
        output.err(`warren: note: the snapshots are of different groups: ${before.cluster}/${before.group} and ${after.cluster}/${after.group}\n`);
      }
      const diff = diffSnapshots(before, after);
      output.out(options.json ? `${JSON.stringify(diff, null, 2)}\n` : `${formatDiff(diff)}\n`);
    });

  program
    .command('compare')
    .description('blue/green: has the green group committed as far as the blue one on every partition blue reads?')
    .requiredOption('-g, --group <group>', 'the blue group, then the green group (give --group exactly twice)', collect)
    .option('--tolerance <n>', 'green has caught up on a partition when at most this many messages behind', nonNegativeInt, 0)
    .option('--cluster <name>', 'cluster name from the config')
    .option('-c, --config <file>', 'YAML config file')
    .option('--bootstrap-server <host:port,...>', 'brokers to read (no config file needed)')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExit codes: 0 green has caught up, 3 green is behind or shares no partition with blue, 1 the cluster or a group cannot be read, 2 bad usage.')
    .action(async (options: ClusterOptions & { group: string[]; tolerance: number; json?: boolean }) => {
      if (options.group.length !== 2) {
        throw new CliError(`compare needs --group exactly twice (blue, then green), got ${options.group.length}: ${options.group.join(', ')}`, EXIT_USAGE);
      }
      const [blue, green] = await readGroups(describeConfig(options, 'compare'), options.group);
      const comparison = compareGroups(blue!, green!, { tolerance: options.tolerance });
      output.out(options.json ? `${JSON.stringify(comparison, null, 2)}\n` : `${formatComparison(comparison)}\n`);
      if (comparison.verdict !== 'caught-up') exit.code = EXIT_BEHIND;
    });

  program
    .command('check-config')
    .description('validate a config file and print it with defaults filled in (secrets hidden)')
    .requiredOption('-c, --config <file>', 'YAML config file', process.env.WARREN_CONFIG)
    .action((options: { config: string }) => {
      const config = loadConfig(options.config);
      const shown = JSON.parse(JSON.stringify(config, (key, value) => (/password|token|apiKey|secret/i.test(key) && value ? '(hidden)' : value)));
      output.out(`${JSON.stringify(shown, null, 2)}\n`);
    });

  return program;
}

/** Runs the command line (without `node cli.ts`); resolves to the exit code. `output` defaults to stdout/stderr. */
export async function main(argv: string[], output: CliOutput = processOutput): Promise<number> {
  const exit = { code: 0 };
  const program = buildProgram(output, exit);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exit.code;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    if (error instanceof ConfigError) {
      output.err(`warren: ${error.message}\n`);
      return EXIT_USAGE;
    }
    if (error instanceof CliError) {
      output.err(`warren: ${error.message}\n`);
      return error.exitCode;
    }
    output.err(`warren: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT_FAILURE;
  }
}

if (import.meta.main) {
  const code = await main(process.argv.slice(2));
  if (code !== 0 || !['run'].includes(process.argv[2] ?? '')) process.exit(code);
}
