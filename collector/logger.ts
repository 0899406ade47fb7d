// Structured logs (pino) with every secret-looking key redacted wherever it appears.
import { pino, type Logger, type LevelWithSilent } from 'pino';

export const REDACTED_PATHS = [
  'password',
  '*.password',
  '*.*.password',
  '*.*.*.password',
  '*.*.*.*.password',
  'token',
  '*.token',
  '*.*.token',
  'apiKey',
  '*.apiKey',
  '*.*.apiKey',
  'sasl',
  '*.sasl',
  '*.*.sasl',
  'authorization',
  '*.authorization',
  '*.headers.authorization',
];

export function createLogger(level: LevelWithSilent = 'info', destination?: NodeJS.WritableStream): Logger {
  const options = { level, base: { service: 'warren' }, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } };
  return destination ? pino(options, destination as never) : pino(options);
}

export type { Logger };
