// Structured JSON logs; fields that may carry secrets are redacted wherever they appear.
import { pino, type Logger } from 'pino';

export type { Logger };

export const redactedPaths = [
  'password',
  '*.password',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'data',
  '*.data',
  'stringData',
  '*.stringData',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'dsn',
  '*.dsn',
  'url',
  '*.url',
];

export function createLogger(
  level = process.env.OMNICLOUD_LOG_LEVEL ?? 'info',
  destination?: { write(line: string): void },
): Logger {
  const options = {
    level,
    base: { component: 'omnicloud-operator' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: redactedPaths, censor: '[redacted]' },
    formatters: { level: (label: string) => ({ level: label }) },
  };
  return destination ? pino(options, destination) : pino(options);
}
