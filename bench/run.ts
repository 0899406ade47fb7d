// `npm run bench`: every benchmark in its own process (so memory figures are its own), one after another.
// Benchmarks print figures; none of them is a test and none fails the build on a slow machine.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

const benches = ['evaluator.ts', 'cycle.ts', 'http-load.ts', 'es-sink.ts', 'time-lag.ts'];
const only = process.argv.slice(2);
let failed = 0;
for (const file of benches) {
  const path = resolve(import.meta.dirname, file);
  if (!existsSync(path) || (only.length > 0 && !only.some((name) => file.startsWith(name)))) continue;
  console.log(`\n== ${file}`);
  const result = spawnSync(process.execPath, [path], { stdio: 'inherit', env: process.env });
  if (result.status !== 0) {
    failed++;
    console.log(`${file} failed with exit code ${result.status}`);
  }
}
process.exit(failed > 0 ? 1 : 0);
