// Addresses of the real services for integration tests. A missing one is an error, never a skip.
import { inject } from 'vitest';

export type KafkaName = 'kafka39' | 'kafka4';
export type EsName = 'es8' | 'es9';

function required(variable: 'KAFKA39_BROKERS' | 'KAFKA4_BROKERS' | 'KAFKA4_SASL_BROKERS' | 'ES8_URL' | 'ES9_URL'): string {
  const value = inject(variable);
  if (!value) throw new Error(`${variable} is not set and the service was not started: integration tests never skip`);
  return value;
}

export function kafkaBrokers(name: KafkaName): string[] {
  return required(name === 'kafka39' ? 'KAFKA39_BROKERS' : 'KAFKA4_BROKERS').split(',');
}

export function kafkaSaslBrokers(): string[] {
  return required('KAFKA4_SASL_BROKERS').split(',');
}

export function esUrl(name: EsName): string {
  return required(name === 'es8' ? 'ES8_URL' : 'ES9_URL');
}

export const KAFKA_VERSIONS: readonly KafkaName[] = ['kafka39', 'kafka4'];
export const ES_VERSIONS: readonly EsName[] = ['es8', 'es9'];
