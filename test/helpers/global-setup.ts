// Starts (or finds) the real services the integration tests need: two Kafka brokers (3.9 and 4.x) and two
// Elasticsearch nodes (8.19 and 9.x), from Maven Central artifacts, through scripts/services.sh.
// An address given in the environment wins. A service that cannot be had fails the run: nothing is skipped.
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import type { TestProject } from 'vitest/node';

export const SERVICES = {
  kafka39: 'KAFKA39_BROKERS',
  kafka4: 'KAFKA4_BROKERS',
  kafka4sasl: 'KAFKA4_SASL_BROKERS',
  es8: 'ES8_URL',
  es9: 'ES9_URL',
} as const;

export default function setup(project: TestProject): void {
  if (process.env.KAFKA_BROKERS && !process.env.KAFKA4_BROKERS) process.env.KAFKA4_BROKERS = process.env.KAFKA_BROKERS;
  const wanted = (process.env.WARREN_TEST_SERVICES ?? 'kafka39 kafka4 es8 es9').split(/\s+/).filter(Boolean);
  const missing = wanted.filter((name) => {
    if (name === 'kafka4') return !process.env.KAFKA4_BROKERS || !process.env.KAFKA4_SASL_BROKERS;
    const variable = SERVICES[name as keyof typeof SERVICES];
    return !variable || !process.env[variable];
  });
  if (missing.length > 0) {
    const script = resolve(import.meta.dirname, '../../scripts/services.sh');
    try {
      execFileSync(script, ['start', ...missing], { stdio: ['ignore', 'inherit', 'inherit'], timeout: 600_000 });
    } catch (error) {
      throw new Error(`integration tests need ${missing.join(', ')} and scripts/services.sh could not start them: ${String(error)}`);
    }
    const exports = execFileSync(script, ['env'], { encoding: 'utf8' });
    for (const line of exports.split('\n')) {
      const match = /^export (\w+)=(.*)$/.exec(line.trim());
      if (match && !process.env[match[1]!]) process.env[match[1]!] = match[2]!.replace(/^['"]|['"]$/g, '');
    }
  }
  for (const variable of Object.values(SERVICES)) {
    if (process.env[variable]) project.provide(variable, process.env[variable]!);
  }
}

declare module 'vitest' {
  export interface ProvidedContext {
    KAFKA39_BROKERS: string;
    KAFKA4_BROKERS: string;
    KAFKA4_SASL_BROKERS: string;
    ES8_URL: string;
    ES9_URL: string;
  }
}
