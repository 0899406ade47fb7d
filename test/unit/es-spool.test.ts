// The disk spool: order, batch bounds, acknowledgement, the byte bound with drop-oldest, recovery after a
// clean close and after a crash (torn and corrupt lines), and the directory lock.
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Spool, SpoolLockedError, type SpoolDrop, type SpoolOptions } from '../../collector/sinks/spool.ts';
import { BULK_OVERHEAD_PER_ENTRY, bulkBody, decodeEntry, encodeEntry } from '../../collector/sinks/bulk.ts';

let dir: string;
const open: Spool[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'warren-spool-'));
});
afterEach(async () => {
  for (const spool of open.splice(0)) await spool.close();
  rmSync(dir, { recursive: true, force: true });
});

function spool(options: Partial<SpoolOptions> = {}): Spool {
  const s = Spool.open({ dir, maxBytes: 1024 * 1024, segmentBytes: 64 * 1024, fsync: 'batch', ...options });
  open.push(s);
  return s;
}

async function closeOne(s: Spool): Promise<void> {
  open.splice(open.indexOf(s), 1);
  await s.close();
}

const entry = (i: number, size = 100) => `e${String(i).padStart(6, '0')}-${'x'.repeat(size)}`;

async function readAll(s: Spool, maxEntries = 1000, maxBytes = 1024 * 1024): Promise<string[]> {
  const out: string[] = [];
  for (;;) {
    const batch = await s.next(maxEntries, maxBytes);
    if (!batch) return out;
    out.push(...batch.entries);
    expect(s.commit(batch)).toBe(true);
  }
}

describe('spool', () => {
  it('hands out entries in append order across segments, and removes read segments', async () => {
    const s = spool({ segmentBytes: 2048 });
    for (let i = 0; i < 50; i++) s.append([entry(i)]);
    s.append(Array.from({ length: 50 }, (_, i) => entry(50 + i)));
    await s.flush();
    expect(s.stats().segments).toBeGreaterThan(3);
    expect(s.stats().entries).toBe(100);
    expect(await readAll(s, 7)).toEqual(Array.from({ length: 100 }, (_, i) => entry(i)));
    expect(s.stats().entries).toBe(0);
    expect(s.isEmpty()).toBe(true);
    // Only the active segment is left on disk.
    expect(readdirSync(dir).filter((f) => f.startsWith('seg-'))).toHaveLength(1);
  });

  it('bounds batches by count and by bytes (with the bulk overhead per entry), always at least one entry', async () => {
    const s = spool();
    s.append(Array.from({ length: 100 }, (_, i) => encodeEntry('warren-partition-2026.11.25', `id${String(i).padStart(18, '0')}`, `{"n":${i},"pad":"${'p'.repeat(200)}"}`)));
    await s.flush();
    const byCount = await s.next(10, 1024 * 1024, BULK_OVERHEAD_PER_ENTRY);
    expect(byCount!.entries).toHaveLength(10);
    const maxBytes = 2000;
    const byBytes = await s.next(1000, maxBytes, BULK_OVERHEAD_PER_ENTRY);
    expect(byBytes!.entries.length).toBeGreaterThan(1);
    expect(byBytes!.bytes).toBeLessThanOrEqual(maxBytes);
    // The bound covers the real `_bulk` body.
    const items = byBytes!.entries.map((e) => decodeEntry(e)!);
    expect(Buffer.byteLength(bulkBody(items))).toBeLessThanOrEqual(maxBytes);
    expect(Buffer.byteLength(bulkBody(items))).toBe(byBytes!.bytes);
    // One entry larger than the byte bound still goes (alone).
    const single = await s.next(1000, 10, BULK_OVERHEAD_PER_ENTRY);
    expect(single!.entries).toHaveLength(1);
    // Nothing is consumed without commit().
    expect(s.stats().entries).toBe(100);
  });

  it('hands out the same entries again until they are acknowledged', async () => {
    const s = spool();
    s.append([entry(1), entry(2), entry(3)]);
    await s.flush();
    const first = await s.next(2, 1e6);
    const again = await s.next(2, 1e6);
    expect(again!.entries).toEqual(first!.entries);
    s.commit(first!);
    expect((await s.next(2, 1e6))!.entries).toEqual([entry(3)]);
  });

  it('after a clean close, a new spool on the directory hands out exactly what was not acknowledged', async () => {
    const s = spool({ segmentBytes: 4096 });
    s.append(Array.from({ length: 200 }, (_, i) => entry(i)));
    await s.flush();
    let acknowledged = 0;
    for (let n = 0; n < 6; n++) {
      const batch = (await s.next(10, 1e6))!;
      s.commit(batch);
      acknowledged += batch.entries.length;
    }
    expect(acknowledged).toBeGreaterThan(40); // batches stop at segment ends
    await closeOne(s);
    const reopened = spool({ segmentBytes: 4096 });
    expect(reopened.stats().entries).toBe(200 - acknowledged);
    reopened.append([entry(200)]);
    await reopened.flush();
    expect(await readAll(reopened)).toEqual(Array.from({ length: 201 - acknowledged }, (_, i) => entry(acknowledged + i)));
  });

  it('after a crash, cuts a torn last line, skips a corrupt one, and resends from the saved cursor', async () => {
    const s = spool({ segmentBytes: 1024 * 1024 });
    s.append(Array.from({ length: 20 }, (_, i) => entry(i, 20)));
    await s.flush();
    s.commit((await s.next(5, 1e6))!);
    // The cursor is saved within 200 ms; a crash before that only means entries are sent again.
    await new Promise((r) => setTimeout(r, 300));
    // "Crash": the process is gone without close(): its lock is stale, its last write was torn.
    const segment = join(dir, readdirSync(dir).find((f) => f.startsWith('seg-'))!);
    const text = readFileSync(segment, 'latin1');
    const lines = text.split('\n');
    // Corrupt line 10 (one byte flipped), keep the checksum.
    lines[10] = lines[10]!.slice(0, 12) + (lines[10]![12] === 'x' ? 'y' : 'x') + lines[10]!.slice(13);
    writeFileSync(segment, lines.join('\n'), 'latin1');
    appendFileSync(segment, '0badc0dee000099-torn-without-newline');
    open.splice(open.indexOf(s), 1); // never closed
    unlinkSync(join(dir, 'lock'));
    writeFileSync(join(dir, 'lock'), '999999999'); // a pid that does not exist
    const recovered = spool();
    const got = await readAll(recovered);
    expect(got).toEqual(Array.from({ length: 20 }, (_, i) => entry(i, 20)).filter((_, i) => i >= 5 && i !== 10));
    expect(recovered.stats().corruptEntries).toBe(1);
    expect(statSync(segment, { throwIfNoEntry: false })).toBeUndefined();
    await s.close().catch(() => undefined);
  });

  it('keeps within its byte bound by dropping the oldest segments, and counts what they held', async () => {
    const drops: SpoolDrop[] = [];
    const maxBytes = 64 * 1024;
    const s = spool({ maxBytes, segmentBytes: 8 * 1024, onDrop: (d) => drops.push(d) });
    const total = 2000;
    for (let i = 0; i < total; i++) {
      s.append([entry(i)]);
      if (i % 100 === 0) await s.flush();
      expect(s.stats().bytes).toBeLessThanOrEqual(maxBytes);
    }
    await s.flush();
    const stats = s.stats();
    expect(stats.bytes).toBeLessThanOrEqual(maxBytes);
    expect(stats.droppedEntries).toBeGreaterThan(0);
    expect(drops.reduce((n, d) => n + d.entries, 0)).toBe(stats.droppedEntries);
    const kept = await readAll(s);
    // What is left is the newest entries, in order, and kept + dropped = everything.
    expect(kept.length + stats.droppedEntries).toBe(total);
    expect(kept).toEqual(Array.from({ length: kept.length }, (_, i) => entry(total - kept.length + i)));
  });

  it('drops the segment being read: the batch in hand is no longer live and its entries are counted', async () => {
    const s = spool({ maxBytes: 16 * 1024, segmentBytes: 4 * 1024 });
    s.append(Array.from({ length: 30 }, (_, i) => entry(i)));
    await s.flush();
    const batch = (await s.next(5, 1e6))!;
    expect(s.isLive(batch)).toBe(true);
    s.append(Array.from({ length: 150 }, (_, i) => entry(100 + i)));
    await s.flush();
    expect(s.isLive(batch)).toBe(false);
    expect(s.commit(batch)).toBe(false);
    const kept = await readAll(s);
    expect(kept[0]).not.toBe(entry(0));
    expect(kept.length + s.stats().droppedEntries).toBe(180);
  });

  it('refuses a second user of the same directory', () => {
    spool();
    expect(() => Spool.open({ dir, maxBytes: 1e6, segmentBytes: 1e5, fsync: 'never' })).toThrow(SpoolLockedError);
  });

  it('is cheap on the write path: 200k entries appended in well under a second', async () => {
    const s = spool({ maxBytes: 256 * 1024 * 1024, segmentBytes: 16 * 1024 * 1024 });
    const entries = Array.from({ length: 1000 }, (_, i) => encodeEntry('warren-partition-2026.11.25', `id${i}`, `{"lag":${i},"group":"g","topic":"t","status":"OK"}`));
    const started = performance.now();
    for (let i = 0; i < 200; i++) s.append(entries);
    const appendMs = performance.now() - started;
    await s.flush();
    expect(s.stats().entries).toBe(200_000);
    expect(appendMs).toBeLessThan(1000);
  });
});
