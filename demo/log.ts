// The demo's logs: pino, one JSON line per event, `service: warren-demo` and the component that speaks.
import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

export function demoLogger(component: string, level: LevelWithSilent = (process.env.DEMO_LOG_LEVEL as LevelWithSilent | undefined) ?? 'info'): Logger {
  return pino({ level, base: { service: 'warren-demo', component } });
}
