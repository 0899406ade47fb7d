// `promtool check metrics` (Debian package `prometheus`) on a /metrics text.
import { spawnSync } from 'node:child_process';

/**
 * Lint findings promtool reports that Warren keeps on purpose: Burrow's own gauge name (renaming it would break
 * every Burrow dashboard and alert), and prom-client's standard Node gauges.
 */
export const ACCEPTED_LINT: ReadonlySet<string> = new Set([
  'burrow_kafka_consumer_lag_total non-counter metrics should not have "_total" suffix',
  'nodejs_active_handles_total non-counter metrics should not have "_total" suffix',
  'nodejs_active_requests_total non-counter metrics should not have "_total" suffix',
  'nodejs_active_resources_total non-counter metrics should not have "_total" suffix',
]);

export function promtool(text: string): { status: number | null; findings: string[] } {
  const result = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (result.error) throw new Error(`promtool is needed (apt-get install -y --no-install-recommends prometheus): ${result.error.message}`);
  const findings = `${result.stdout}${result.stderr}`.split('\n').map((l) => l.trim()).filter(Boolean);
  return { status: result.status, findings };
}

/** The text without the metric families of the accepted findings. */
export function withoutAcceptedFamilies(text: string): string {
  const names = [...ACCEPTED_LINT].map((f) => f.split(' ')[0]!);
  return text
    .split('\n')
    .filter((line) => !names.some((name) => line.startsWith(`${name} `) || line.startsWith(`${name}{`) || line.startsWith(`# HELP ${name} `) || line.startsWith(`# TYPE ${name} `)))
    .join('\n');
}

/** Parses a /metrics text into name → (labels → value). */
export function series(text: string, name: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const at = line.lastIndexOf(' ');
    found.set(line.slice(name.length, at), Number(line.slice(at + 1)));
  }
  return found;
}
