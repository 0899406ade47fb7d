// Loads the JSON Schemas of this directory (written from burrow-spec.md §5) into ajv and validates bodies.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';

const DIR = import.meta.dirname;
const BASE = 'https://warren.invalid/contract/';

export type SchemaName =
  | 'error'
  | 'cluster-list'
  | 'cluster-detail'
  | 'topic-list'
  | 'topic-offsets'
  | 'topic-consumers'
  | 'consumer-list'
  | 'consumer-detail'
  | 'consumer-status'
  | 'bulk-status'
  | 'delete'
  | 'config-main'
  | 'config-module-list'
  | 'config-storage'
  | 'config-evaluator'
  | 'config-consumer'
  | 'loglevel-get'
  | 'loglevel-set';

const ajv = new Ajv({ allErrors: true, strict: true });
for (const file of readdirSync(DIR).filter((f) => f.endsWith('.schema.json')).sort()) {
  ajv.addSchema(JSON.parse(readFileSync(join(DIR, file), 'utf8')) as object);
}

const compiled = new Map<SchemaName, ValidateFunction>();

export function schemaNames(): string[] {
  return readdirSync(DIR)
    .filter((f) => f.endsWith('.schema.json') && f !== 'common.schema.json')
    .map((f) => f.replace('.schema.json', ''))
    .sort();
}

/** Validates `body` against the named schema; returns ajv's error text, or null when it validates. */
export function contractErrors(name: SchemaName, body: unknown): string | null {
  let validate = compiled.get(name);
  if (!validate) {
    validate = ajv.getSchema(`${BASE}${name}.schema.json`);
    if (!validate) throw new Error(`no schema ${name}`);
    compiled.set(name, validate);
  }
  return validate(body) ? null : ajv.errorsText(validate.errors, { separator: '\n' });
}
