// The multi-worker strategy's thread pool (real worker_threads): parallel, lanes in order, stuck threads, closing.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PoolClosedError, WorkerPool } from '../../demo/worker-pool.ts';

const pools: WorkerPool[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

function pool(size: number, logFile?: string): WorkerPool {
  const p = new WorkerPool(size, logFile ? { logFile } : {});
  pools.push(p);
  return p;
}

const task = (partition: number, offset: number, delayMs: number) => ({ topic: 't', partition, offset: BigInt(offset), value: String(offset), delayMs });

describe('WorkerPool', () => {
  it('runs records on several threads at once and writes the processed log', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warren-pool-'));
    try {
      const log = join(dir, 'processed.log');
      const p = pool(4, log);
      const started = Date.now();
      await Promise.all(Array.from({ length: 8 }, (_, i) => p.run(task(0, i, 100))));
      // 8 records of 100 ms on 4 threads: about 200 ms, far from the 800 ms of one thread.
      expect(Date.now() - started).toBeLessThan(700);
      const lines = readFileSync(log, 'utf8').trim().split('\n');
      expect(lines).toHaveLength(8);
      expect(lines.every((l) => /^t 0 \d \d$/.test(l))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('finishes unordered records out of order, and a lane in order', async () => {
    const p = pool(3);
    const unordered: number[] = [];
    await Promise.all([30, 1, 15].map((delay, i) => p.run(task(0, i, delay)).then(() => unordered.push(i))));
    expect(unordered).not.toEqual([0, 1, 2]);
    const lane: number[] = [];
    await Promise.all([30, 1, 15].map((delay, i) => p.run(task(0, i, delay), 'p0').then(() => lane.push(i))));
    expect(lane).toEqual([0, 1, 2]);
  });

  it('a stuck record keeps its thread busy for good; other threads go on', async () => {
    const p = pool(2);
    let stuckDone = false;
    void p.run({ ...task(0, 0, 0), hang: true }).then(
      () => (stuckDone = true),
      () => undefined,
    );
    await Promise.all([1, 2, 3].map((i) => p.run(task(1, i, 5))));
    expect(stuckDone).toBe(false);
    expect(p.busy).toBe(1);
  });

  it('rejects queued and running records when closed', async () => {
    const p = pool(1);
    const running = p.run(task(0, 0, 1000)).catch((error: unknown) => error);
    const queued = p.run(task(0, 1, 0)).catch((error: unknown) => error);
    await p.close();
    expect(await running).toBeInstanceOf(PoolClosedError);
    expect(await queued).toBeInstanceOf(PoolClosedError);
    await expect(p.run(task(0, 2, 0))).rejects.toBeInstanceOf(PoolClosedError);
    expect(() => new WorkerPool(0)).toThrow();
  });
});
