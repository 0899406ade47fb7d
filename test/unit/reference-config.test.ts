// The reference config documents every key of the schema with its environment variable, and is itself valid.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { envName, listKeys, parseConfig } from '../../collector/config.ts';

const file = resolve(import.meta.dirname, '../../config/warren.reference.yaml');
const text = readFileSync(file, 'utf8');

describe('config/warren.reference.yaml', () => {
  it('is a valid config', () => {
    const config = parseConfig(text, file, {});
    expect(Object.keys(config.clusters)).toEqual(['prod']);
  });

  it.each(listKeys().map((path) => [path.join('.'), envName(path)]))('documents %s with %s', (key, variable) => {
    const leaf = key.split('.').at(-1)!;
    expect(text, `${key} is not in the reference config`).toMatch(new RegExp(`^\\s*#?\\s*${leaf}:`, 'm'));
    expect(text, `${variable} is not in the reference config`).toContain(variable);
  });
});
