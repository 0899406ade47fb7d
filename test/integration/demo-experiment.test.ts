// The experiment mode on a real broker: it prints lost and out-of-order counts, the naive multi-worker form loses
// or reorders records when killed mid-batch, the safe forms lose none (and the ordered one reorders none).
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { kafkaBrokers } from '../helpers/services.ts';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');

describe('demo experiment mode', () => {
  it('prints the counts; naive loses or reorders, safe loses nothing', async () => {
    const { stdout } = await run(process.execPath, ['demo/experiment.ts', '--brokers', kafkaBrokers('kafka4').join(','), '--records', '1500', '--workers', '4', '--prefix', 'itexp'], {
      cwd: ROOT,
      timeout: 90_000,
    });
    const header = stdout.split('\n').find((line) => line.startsWith('variant'));
    expect(header, stdout).toMatch(/lost\s+duplicated\s+out of order$/);
    const rows = new Map<string, number[]>();
    for (const line of stdout.split('\n')) {
      const match = /^(naive|safe|safe-ordered)\s+([\d\s]+)$/.exec(line);
      if (match) rows.set(match[1]!, match[2]!.trim().split(/\s+/).map(Number));
    }
    expect([...rows.keys()], stdout).toEqual(['naive', 'safe', 'safe-ordered']);
    // Columns: produced, processed before crash, committed at crash, processed after restart, lost, duplicated, out of order.
    const [produced, beforeCrash, committed, , naiveLost, , naiveOutOfOrder] = rows.get('naive')!;
    expect(produced).toBe(1500);
    expect(beforeCrash).toBeLessThan(produced!);
    expect(naiveLost! + naiveOutOfOrder!, stdout).toBeGreaterThan(0);
    // The naive form had committed more than it had processed: what it lost.
    expect(naiveLost, stdout).toBe(Math.max(0, committed! - beforeCrash!) > 0 ? naiveLost : 0);
    const safe = rows.get('safe')!;
    expect(safe[4], `safe lost\n${stdout}`).toBe(0);
    expect(safe[2], 'safe commits no more than it processed').toBeLessThanOrEqual(safe[1]!);
    const ordered = rows.get('safe-ordered')!;
    expect(ordered[4], `safe-ordered lost\n${stdout}`).toBe(0);
    expect(ordered[6], `safe-ordered out of order\n${stdout}`).toBe(0);
  }, 100_000);
});
