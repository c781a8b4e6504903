import { REDACTED_TEXT, SecretValue } from './secret';

export const LogLevel = { debug: 20, info: 30, warn: 40, error: 50 } as const;
export type LogLevelName = keyof typeof LogLevel;

export type LogFields = Record<string, unknown>;

/** A structured JSON logger, one line per record; `child` binds fields such as the call id. */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  child(bindings: LogFields): Logger;
}

/** Keys whose values never reach a log line, whatever they hold. */
const SENSITIVE_KEY = /pass(word|phrase)?|secret|private|rpst|token|authorization|credential|signature|pem/i;
const MAX_DEPTH = 8;

function redact(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (value instanceof SecretValue) return REDACTED_TEXT;
  if (value instanceof Error) {
    return {
      type: value.name,
      message: value.message,
      ...('code' in value ? { code: (value as { code: unknown }).code } : {}),
    };
  }
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH || seen.has(value)) return '[…]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1, seen));
  if (value instanceof Date) return value.toISOString();
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = SENSITIVE_KEY.test(key) && item !== undefined && typeof item !== 'boolean' ? REDACTED_TEXT : redact(item, depth + 1, seen);
  }
  return out;
}

/** Serialises one record, redacted. */
function formatRecord(level: LogLevelName, message: string, bindings: LogFields, fields: LogFields | undefined): string {
  const record = { level, time: new Date().toISOString(), ...bindings, ...fields, msg: message };
  return `${JSON.stringify(redact(record, 0, new WeakSet()))}\n`;
}

/**
 * Creates the root logger.
 * @example const log = createLogger({ level: 'info' }).child({ callId }); log.info('onboarded', { userId });
 */
export function createLogger(options: { level?: LogLevelName; write?: (line: string) => void; bindings?: LogFields } = {}): Logger {
  const threshold = LogLevel[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => process.stdout.write(line));
  const make = (bindings: LogFields): Logger => {
    const emit = (level: LogLevelName) => (message: string, fields?: LogFields) => {
      if (LogLevel[level] >= threshold) write(formatRecord(level, message, bindings, fields));
    };
    return {
      debug: emit('debug'),
      info: emit('info'),
      warn: emit('warn'),
      error: emit('error'),
      child: (more) => make({ ...bindings, ...more }),
    };
  };
  return make(options.bindings ?? {});
}
