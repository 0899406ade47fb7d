// Value types shared by every section of Warren's config (collector, api, elasticsearch), so a duration or a
// size is written the same way everywhere. No imports from config.ts: the section schemas import this.
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/** A duration: a number of seconds, or a string such as "500ms", "30s", "5m", "7d". Parsed to milliseconds. */
export const duration = z
  .union([z.number().nonnegative(), z.string().regex(DURATION, 'expected a duration such as 500ms, 30s, 5m, 7d')])
  .transform((value) => {
    if (typeof value === 'number') return Math.round(value * 1000);
    const match = DURATION.exec(value)!;
    return Math.round(Number(match[1]) * DURATION_UNITS[match[2]!]!);
  });

const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };
const SIZE = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)$/i;

/** A size: a number of bytes, or "512kb", "5mb", "1gb" (powers of 1024, like Elasticsearch). */
export const byteSize = z
  .union([z.number().int().positive(), z.string().regex(SIZE, 'expected a size such as 512kb, 5mb, 1gb')])
  .transform((value) => {
    if (typeof value === 'number') return value;
    const match = SIZE.exec(value)!;
    return Math.round(Number(match[1]) * SIZE_UNITS[match[2]!.toLowerCase()]!);
  });

/** The content (trimmed) of a file that holds a secret; `error` builds the exception naming the key. */
export function readSecretFile(file: string, key: string, error: (message: string) => Error): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw error(`${key}: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  const value = text.trim();
  if (!value) throw error(`${key}: ${file} is empty`);
  return value;
}
