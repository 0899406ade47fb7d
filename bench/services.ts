// Finds or starts the real services a benchmark needs (scripts/services.sh), like the tests' global setup.
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

const SCRIPT = resolve(import.meta.dirname, '../scripts/services.sh');

/** The address of a service: from its variable when set, otherwise started by scripts/services.sh. */
export function service(name: 'kafka4' | 'kafka39' | 'es8' | 'es9', variable: string, fallback?: string): string {
  const given = process.env[variable] ?? (fallback ? process.env[fallback] : undefined);
  if (given) return given;
  execFileSync(SCRIPT, ['start', name], { stdio: ['ignore', 'ignore', 'inherit'] });
  const exports = execFileSync(SCRIPT, ['env'], { encoding: 'utf8' });
  const match = new RegExp(`^export ${variable}=['"]?([^'"\\n]+)`, 'm').exec(exports);
  if (!match) throw new Error(`scripts/services.sh env gave no ${variable}`);
  return match[1]!;
}
