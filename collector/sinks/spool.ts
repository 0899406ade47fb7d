// A disk-backed FIFO of opaque one-line entries, bounded by bytes: append-only segment files in one directory,
// read in order by one reader that acknowledges what it has handled.
//
// Layout: `seg-<12-digit seq>.log` files, each line `<crc32 as 8 hex><entry>\n`; `cursor.json` holds where the
// reader stands ({seq, offset}); `lock` holds the owning process's pid, so two sinks never share a directory.
//
// Guarantees:
// - append() is synchronous and cheap: it queues the entries in memory and returns; the write to the active
//   segment (one write() call for everything queued) happens on the next tick. A process crash loses only what
//   was appended in the same tick; with fsync `batch` an OS crash loses nothing acknowledged by a finished
//   flush (one fdatasync per flush, i.e. about one per cycle); `segment` syncs when a segment is closed;
//   `never` leaves it to the OS.
// - The reader sees entries in append order. An entry is handed out until commit() acknowledges it, so after
//   a crash entries after the last saved cursor are handed out again (at least once; the sink makes that
//   harmless with deterministic document ids). The cursor is saved at most every 200 ms and on close.
// - Bounded: the segment files plus the queued entries never exceed maxBytes. To make room, whole segments
//   are dropped, oldest first (even the one being read); what they held is counted and reported.
// - On open, a torn last line (crash during a write) is cut off and lines whose checksum fails are skipped
//   and counted, never handed out.
import {
  closeSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';

export interface SpoolOptions {
  dir: string;
  maxBytes: number;
  /** A segment is closed once it reaches this size; at most maxBytes / 4 is used. */
  segmentBytes: number;
  fsync: 'batch' | 'segment' | 'never';
  /** Called when entries are dropped to respect the bound. */
  onDrop?: (drop: SpoolDrop) => void;
  /** Called when a disk operation fails (the spool keeps going). */
  onError?: (error: Error, what: string) => void;
}

export interface SpoolDrop {
  entries: number;
  bytes: number;
  reason: 'full' | 'too-large';
}

export interface SpoolBatch {
  readonly entries: string[];
  /** Bytes of the entries' lines on disk, plus the caller's overhead per entry. */
  readonly bytes: number;
  readonly seq: number;
  readonly start: number;
  readonly end: number;
  /** Lines covered, including skipped corrupt ones. */
  readonly lines: number;
}

export interface SpoolStats {
  /** Bytes the bound applies to: segment files plus entries queued for writing. */
  bytes: number;
  /** Bytes of the entries not yet acknowledged (the backlog). */
  unsentBytes: number;
  /** Entries not yet acknowledged by the reader. */
  entries: number;
  segments: number;
  droppedEntries: number;
  droppedBytes: number;
  corruptEntries: number;
  writeErrors: number;
}

export class SpoolLockedError extends Error {
  override readonly name = 'SpoolLockedError';
}

interface Segment {
  seq: number;
  path: string;
  /** Bytes written or being written. */
  size: number;
  /** Bytes whose write has finished: what the reader may read. */
  readable: number;
  entries: number;
  consumed: number;
  /** No more appends go here. */
  closed: boolean;
  dropped: boolean;
  /** A write into it is in flight. */
  writing: boolean;
  writer: FileHandle | null;
  reader: FileHandle | null;
}

interface Cursor {
  seq: number;
  offset: number;
}

const SEGMENT_NAME = /^seg-(\d{12})\.log$/;
const NEWLINE = 0x0a;

function segmentPath(dir: string, seq: number): string {
  return join(dir, `seg-${String(seq).padStart(12, '0')}.log`);
}

function frame(entry: string): string {
  if (entry.includes('\n')) throw new Error('spool entries must not contain a newline');
  return `${(crc32(entry) >>> 0).toString(16).padStart(8, '0')}${entry}\n`;
}

function checkLine(line: Buffer): boolean {
  if (line.length < 8) return false;
  const expected = Number.parseInt(line.toString('latin1', 0, 8), 16);
  return Number.isFinite(expected) && expected === crc32(line.subarray(8)) >>> 0;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class Spool {
  readonly dir: string;
  readonly #options: SpoolOptions;
  readonly #segmentBytes: number;
  readonly #segments: Segment[] = [];
  #cursor: Cursor = { seq: 0, offset: 0 };
  #lastSeq = 0;
  #active: Segment | null = null;
  #pending: string[] = [];
  #pendingSizes: number[] = [];
  #pendingBytes = 0;
  #flushing: Promise<void> | null = null;
  #waiters = new Set<() => void>();
  #cursorTimer: NodeJS.Timeout | null = null;
  #cursorDirty = false;
  #closed = false;
  #dropped = { entries: 0, bytes: 0 };
  #corrupt = 0;
  #writeErrors = 0;

  private constructor(options: SpoolOptions) {
    this.#options = options;
    this.dir = options.dir;
    this.#segmentBytes = Math.max(1024, Math.min(options.segmentBytes, Math.floor(options.maxBytes / 4)));
  }

  /** Opens (creating it if needed) and recovers a spool directory. Synchronous: meant for start-up. */
  static open(options: SpoolOptions): Spool {
    const spool = new Spool(options);
    spool.#lock();
    try {
      spool.#recover();
    } catch (error) {
      spool.#unlock();
      throw error;
    }
    return spool;
  }

  // ---------------------------------------------------------------------------------------------------
  // Writing

  /**
   * Queues entries (strings without newlines) for the disk. Never waits. Drops the oldest segments when the
   * bound would be passed. Returns how many of the given entries were accepted (all, unless one alone is
   * larger than a segment, or they alone exceed the bound).
   */
  append(entries: readonly string[]): number {
    if (this.#closed) throw new Error('spool is closed');
    if (entries.length === 0) return 0;
    const frames: string[] = [];
    const sizes: number[] = [];
    let bytes = 0;
    let tooLarge = 0;
    let tooLargeBytes = 0;
    for (const entry of entries) {
      const line = frame(entry);
      const size = Buffer.byteLength(line);
      if (size > this.#segmentBytes) {
        tooLarge++;
        tooLargeBytes += size;
        continue;
      }
      frames.push(line);
      sizes.push(size);
      bytes += size;
    }
    if (tooLarge > 0) this.#reportDrop({ entries: tooLarge, bytes: tooLargeBytes, reason: 'too-large' });
    if (frames.length === 0) return 0;
    this.#makeRoom(bytes);
    // Still over the bound: everything older is gone; drop the oldest of the new entries.
    let first = 0;
    let excess = this.#totalBytes() + bytes - this.#options.maxBytes;
    if (excess > 0) {
      let droppedBytes = 0;
      while (first < frames.length && excess > 0) {
        excess -= sizes[first]!;
        droppedBytes += sizes[first]!;
        first++;
      }
      bytes -= droppedBytes;
      this.#reportDrop({ entries: first, bytes: droppedBytes, reason: 'full' });
    }
    for (let i = first; i < frames.length; i++) {
      this.#pending.push(frames[i]!);
      this.#pendingSizes.push(sizes[i]!);
    }
    this.#pendingBytes += bytes;
    if (!this.#flushing) this.#flushing = this.#flushLoop().finally(() => (this.#flushing = null));
    return frames.length - first;
  }

  /** Resolves when everything appended so far is written (and synced, per the fsync mode). */
  async flush(): Promise<void> {
    while (this.#flushing) await this.#flushing;
  }

  #totalBytes(): number {
    let total = this.#pendingBytes;
    for (const segment of this.#segments) total += segment.size;
    return total;
  }

  #makeRoom(incoming: number): void {
    while (this.#segments.length > 0 && this.#totalBytes() + incoming > this.#options.maxBytes) {
      const oldest = this.#segments[0]!;
      // Queued entries are newer than any segment: drop segments first, even the active one.
      this.#dropSegment(oldest);
    }
    // Queued entries, oldest first.
    let dropped = 0;
    let droppedBytes = 0;
    while (this.#pending.length > 0 && this.#totalBytes() + incoming > this.#options.maxBytes) {
      this.#pending.shift();
      const size = this.#pendingSizes.shift()!;
      this.#pendingBytes -= size;
      dropped++;
      droppedBytes += size;
    }
    if (dropped > 0) this.#reportDrop({ entries: dropped, bytes: droppedBytes, reason: 'full' });
  }

  #dropSegment(segment: Segment): void {
    const remaining = segment.entries - segment.consumed;
    this.#removeSegment(segment);
    segment.dropped = true;
    if (this.#active === segment) this.#active = null;
    if (remaining > 0 || segment.size > 0) this.#reportDrop({ entries: remaining, bytes: segment.size, reason: 'full' });
  }

  #removeSegment(segment: Segment): void {
    const index = this.#segments.indexOf(segment);
    if (index >= 0) this.#segments.splice(index, 1);
    if (this.#cursor.seq <= segment.seq) {
      const next = this.#segments.find((s) => s.seq > segment.seq);
      this.#cursor = { seq: next ? next.seq : segment.seq + 1, offset: 0 };
      this.#saveCursorSoon();
    }
    void segment.reader?.close().catch(() => undefined);
    segment.reader = null;
    if (!segment.writing) {
      // (a write in flight closes its file when it finishes)
      void segment.writer?.close().catch(() => undefined);
      segment.writer = null;
    }
    try {
      unlinkSync(segment.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.#error(error, `removing ${segment.path}`);
    }
  }

  #reportDrop(drop: SpoolDrop): void {
    if (drop.entries === 0 && drop.bytes === 0) return;
    this.#dropped.entries += drop.entries;
    this.#dropped.bytes += drop.bytes;
    this.#options.onDrop?.(drop);
  }

  async #flushLoop(): Promise<void> {
    while (this.#pending.length > 0) {
      let segment = this.#active;
      if (!segment || segment.dropped || segment.size >= this.#segmentBytes) segment = await this.#rotate();
      if (!segment) {
        // Could not open a segment: the queued entries stay queued until the next append tries again.
        return;
      }
      let count = 0;
      let bytes = 0;
      while (count < this.#pending.length && (count === 0 || segment.size + bytes + this.#pendingSizes[count]! <= this.#segmentBytes)) {
        bytes += this.#pendingSizes[count]!;
        count++;
      }
      const lines = this.#pending.splice(0, count);
      this.#pendingSizes.splice(0, count);
      this.#pendingBytes -= bytes;
      const position = segment.size;
      segment.size += bytes;
      segment.entries += count;
      const buffer = Buffer.from(lines.join(''));
      segment.writing = true;
      try {
        let written = 0;
        while (written < buffer.length) {
          const { bytesWritten } = await segment.writer!.write(buffer, written, buffer.length - written, position + written);
          written += bytesWritten;
        }
        if (this.#options.fsync === 'batch' && !segment.dropped) await segment.writer!.datasync();
      } catch (error) {
        // The entries of this write are lost; close the segment where its good data ends.
        this.#writeErrors++;
        this.#error(error, `writing ${segment.path}`);
        segment.size = position;
        segment.entries -= count;
        this.#reportDrop({ entries: count, bytes, reason: 'full' });
        try {
          await segment.writer?.truncate(position);
        } catch {
          // keep going: the checksum check skips a partial line
        }
        segment.closed = true;
        if (this.#active === segment) this.#active = null;
        await segment.writer?.close().catch(() => undefined);
        segment.writer = null;
        continue;
      } finally {
        segment.writing = false;
      }
      if (segment.dropped) {
        await segment.writer?.close().catch(() => undefined);
        segment.writer = null;
        continue;
      }
      segment.readable = segment.size;
      this.#wake();
    }
  }

  /** Closes the active segment (syncing it in `segment` mode) and opens the next one. */
  async #rotate(): Promise<Segment | null> {
    const previous = this.#active;
    if (previous) {
      previous.closed = true;
      this.#active = null;
      if (previous.writer) {
        try {
          if (this.#options.fsync === 'segment' && !previous.dropped) await previous.writer.datasync();
          await previous.writer.close();
        } catch (error) {
          this.#error(error, `closing ${previous.path}`);
        }
        previous.writer = null;
      }
      // A fully read closed segment is no longer needed.
      if (!previous.dropped && this.#cursor.seq === previous.seq && this.#cursor.offset >= previous.size) this.#removeSegment(previous);
    }
    const seq = ++this.#lastSeq;
    const path = segmentPath(this.dir, seq);
    let writer: FileHandle;
    try {
      writer = await open(path, 'wx');
      if (this.#options.fsync !== 'never') this.#syncDir();
    } catch (error) {
      this.#writeErrors++;
      this.#error(error, `creating ${path}`);
      return null;
    }
    const segment: Segment = { seq, path, size: 0, readable: 0, entries: 0, consumed: 0, closed: false, dropped: false, writing: false, writer, reader: null };
    this.#segments.push(segment);
    this.#active = segment;
    return segment;
  }

  #syncDir(): void {
    let fd: number | undefined;
    try {
      fd = openSync(this.dir, 'r');
      fsyncSync(fd);
    } catch {
      // not every file system syncs directories
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }

  // ---------------------------------------------------------------------------------------------------
  // Reading

  /**
   * The next entries after the cursor (at least one when any is readable, at most maxEntries, and no more than
   * maxBytes unless the first alone is larger), or null when there is nothing to read now. Each entry counts
   * as its line's bytes plus `overhead` (what the caller adds per entry). The cursor moves only with
   * commit(). One reader at a time.
   */
  async next(maxEntries: number, maxBytes: number, overhead = 0): Promise<SpoolBatch | null> {
    for (;;) {
      const segment = this.#segments[0];
      if (!segment) return null;
      if (this.#cursor.seq !== segment.seq) this.#cursor = { seq: segment.seq, offset: 0 };
      const start = this.#cursor.offset;
      if (start >= segment.readable) {
        if (segment.closed && start >= segment.size) {
          this.#removeSegment(segment);
          continue;
        }
        return null;
      }
      const batch = await this.#read(segment, start, maxEntries, maxBytes, overhead);
      if (!batch) continue; // the segment was dropped while reading
      if (batch.entries.length === 0) {
        // Only corrupt lines: step over them.
        this.commit(batch);
        continue;
      }
      return batch;
    }
  }

  async #read(segment: Segment, start: number, maxEntries: number, maxBytes: number, overhead: number): Promise<SpoolBatch | null> {
    const available = segment.readable - start;
    let length = Math.min(available, maxBytes + 64 * 1024);
    for (;;) {
      if (!segment.reader) {
        try {
          segment.reader = await open(segment.path, 'r');
        } catch (error) {
          if (segment.dropped) return null;
          throw error;
        }
      }
      const buffer = Buffer.allocUnsafe(length);
      let filled = 0;
      while (filled < length) {
        const { bytesRead } = await segment.reader.read(buffer, filled, length - filled, start + filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      if (segment.dropped) return null;
      const entries: string[] = [];
      let position = 0;
      let bytes = 0;
      let lines = 0;
      while (position < filled) {
        const end = buffer.indexOf(NEWLINE, position);
        if (end < 0 || end >= filled) break;
        const size = end + 1 - position + overhead;
        if (entries.length > 0 && (entries.length >= maxEntries || bytes + size > maxBytes)) break;
        const line = buffer.subarray(position, end);
        position = end + 1;
        lines++;
        if (checkLine(line)) {
          entries.push(line.toString('utf8', 8));
          bytes += size;
        } else {
          this.#corrupt++;
        }
        if (entries.length >= maxEntries) break;
      }
      if (lines === 0 && length < available) {
        // One line longer than the buffer: read more.
        length = Math.min(available, length * 2);
        continue;
      }
      return { entries, bytes, seq: segment.seq, start, end: start + position, lines };
    }
  }

  /** Acknowledges a batch: its entries will not be handed out again. False when it was dropped meanwhile. */
  commit(batch: SpoolBatch): boolean {
    if (!this.isLive(batch)) return false;
    const segment = this.#segments[0]!;
    this.#cursor = { seq: batch.seq, offset: batch.end };
    segment.consumed += batch.lines;
    if (segment.closed && batch.end >= segment.size) this.#removeSegment(segment);
    this.#saveCursorSoon();
    return true;
  }

  /** False once the batch's segment was dropped (the bound) or the cursor moved past it. */
  isLive(batch: SpoolBatch): boolean {
    const segment = this.#segments[0];
    return segment !== undefined && segment.seq === batch.seq && this.#cursor.seq === batch.seq && this.#cursor.offset === batch.start;
  }

  /** Resolves when new entries become readable, or after timeoutMs, or when the signal aborts. */
  waitForData(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.#waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  #wake(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }

  // ---------------------------------------------------------------------------------------------------
  // State

  stats(): SpoolStats {
    let entries = this.#pending.length;
    let unsentBytes = this.#pendingBytes;
    for (const segment of this.#segments) {
      entries += segment.entries - segment.consumed;
      unsentBytes += segment.size - (segment.seq === this.#cursor.seq ? this.#cursor.offset : 0);
    }
    return {
      bytes: this.#totalBytes(),
      unsentBytes,
      entries,
      segments: this.#segments.length,
      droppedEntries: this.#dropped.entries,
      droppedBytes: this.#dropped.bytes,
      corruptEntries: this.#corrupt,
      writeErrors: this.#writeErrors,
    };
  }

  /** True when every appended entry has been acknowledged (or dropped). */
  isEmpty(): boolean {
    return this.stats().entries === 0;
  }

  #saveCursorSoon(): void {
    this.#cursorDirty = true;
    if (this.#cursorTimer || this.#closed) return;
    this.#cursorTimer = setTimeout(() => {
      this.#cursorTimer = null;
      this.#saveCursor();
    }, 200);
    this.#cursorTimer.unref();
  }

  #saveCursor(): void {
    if (!this.#cursorDirty) return;
    this.#cursorDirty = false;
    const file = join(this.dir, 'cursor.json');
    try {
      writeFileSync(`${file}.tmp`, JSON.stringify(this.#cursor));
      renameSync(`${file}.tmp`, file);
    } catch (error) {
      this.#error(error, 'saving the spool cursor');
    }
  }

  /** Writes what is queued, saves the cursor, closes the files and releases the directory. */
  async close(): Promise<void> {
    if (this.#closed) return;
    await this.flush();
    this.#closed = true;
    if (this.#pending.length > 0) {
      // Only when no segment could be created: these never reached the disk.
      this.#reportDrop({ entries: this.#pending.length, bytes: this.#pendingBytes, reason: 'full' });
      this.#pending = [];
      this.#pendingSizes = [];
      this.#pendingBytes = 0;
    }
    if (this.#cursorTimer) clearTimeout(this.#cursorTimer);
    this.#cursorTimer = null;
    this.#cursorDirty = true;
    this.#saveCursor();
    for (const segment of this.#segments) {
      try {
        if (segment.writer) {
          if (this.#options.fsync !== 'never') await segment.writer.datasync();
          await segment.writer.close();
        }
        await segment.reader?.close();
      } catch (error) {
        this.#error(error, `closing ${segment.path}`);
      }
      segment.writer = null;
      segment.reader = null;
    }
    this.#active = null;
    this.#wake();
    this.#unlock();
  }

  #error(error: unknown, what: string): void {
    this.#options.onError?.(error instanceof Error ? error : new Error(String(error)), what);
  }

  // ---------------------------------------------------------------------------------------------------
  // Start-up

  #lock(): void {
    mkdirSync(this.dir, { recursive: true });
    const file = join(this.dir, 'lock');
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(file, 'wx');
        writeSync(fd, String(process.pid));
        closeSync(fd);
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const pid = Number.parseInt(readFileSync(file, 'utf8'), 10);
      if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) {
        throw new SpoolLockedError(`spool directory ${this.dir} is in use by process ${pid}${pid === process.pid ? ' (this process: close the other sink first)' : ''}`);
      }
      unlinkSync(file); // stale: its process is gone
    }
    throw new SpoolLockedError(`cannot lock spool directory ${this.dir}`);
  }

  #unlock(): void {
    try {
      unlinkSync(join(this.dir, 'lock'));
    } catch {
      // already gone
    }
  }

  #recover(): void {
    let cursor: Cursor | null = null;
    try {
      const parsed = JSON.parse(readFileSync(join(this.dir, 'cursor.json'), 'utf8')) as Partial<Cursor>;
      if (Number.isSafeInteger(parsed.seq) && Number.isSafeInteger(parsed.offset)) cursor = { seq: parsed.seq!, offset: parsed.offset! };
    } catch {
      // no cursor (new spool) or unreadable: read from the first segment
    }
    const seqs = readdirSync(this.dir)
      .map((name) => SEGMENT_NAME.exec(name))
      .filter((match): match is RegExpExecArray => match !== null)
      .map((match) => Number(match[1]))
      .sort((a, b) => a - b);
    for (const seq of seqs) {
      this.#lastSeq = Math.max(this.#lastSeq, seq);
      const path = segmentPath(this.dir, seq);
      if (cursor && seq < cursor.seq) {
        unlinkSync(path); // read and acknowledged before the restart
        continue;
      }
      const { size, lines, linesBefore, lastNewline } = this.#scan(path, cursor && cursor.seq === seq ? cursor.offset : -1);
      let good = size;
      if (lastNewline + 1 < size) {
        // Torn last line: cut it off.
        good = lastNewline + 1;
        const fd = openSync(path, 'r+');
        try {
          ftruncateSync(fd, good);
        } finally {
          closeSync(fd);
        }
      }
      let consumed = 0;
      let offset = 0;
      if (cursor && cursor.seq === seq) {
        if (linesBefore >= 0 && cursor.offset <= good) {
          offset = cursor.offset;
          consumed = linesBefore;
        }
        // else: the cursor is not at a line boundary; read the segment again from its start (ids dedupe)
      }
      if (offset >= good) {
        unlinkSync(path);
        continue;
      }
      if (this.#segments.length === 0) this.#cursor = { seq, offset };
      this.#segments.push({ seq, path, size: good, readable: good, entries: lines, consumed, closed: true, dropped: false, writing: false, writer: null, reader: null });
    }
    if (this.#segments.length === 0) this.#cursor = { seq: this.#lastSeq + 1, offset: 0 };
    // A smaller bound than last time: make room now.
    this.#makeRoom(0);
  }

  /** Counts the lines of a segment file, and those before `offset` (−1 when offset is not a line start). */
  #scan(path: string, offset: number): { size: number; lines: number; linesBefore: number; lastNewline: number } {
    const size = statSync(path).size;
    const fd = openSync(path, 'r');
    const buffer = Buffer.allocUnsafe(1024 * 1024);
    let lines = 0;
    let linesBefore = offset === 0 ? 0 : -1;
    let lastNewline = -1;
    try {
      let position = 0;
      while (position < size) {
        const n = readSync(fd, buffer, 0, buffer.length, position);
        if (n === 0) break;
        let i = buffer.indexOf(NEWLINE, 0);
        while (i >= 0 && i < n) {
          lines++;
          lastNewline = position + i;
          if (lastNewline + 1 === offset) linesBefore = lines;
          i = buffer.indexOf(NEWLINE, i + 1);
        }
        position += n;
      }
    } finally {
      closeSync(fd);
    }
    return { size, lines, linesBefore, lastNewline };
  }
}
