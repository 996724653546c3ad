// The one way the Worker writes logs: a JSON line per event, carrying its request id (or job name).
export type LogFields = Record<string, unknown>;

export interface Logger {
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

/**
 * A logger whose every line carries `context` (e.g. `{ request_id }`). Lines start with `level`,
 * then `msg`; errors go to console.error so log search can filter on them, the rest to console.log.
 */
export function createLogger(context: LogFields): Logger {
  const write = (level: 'info' | 'warn' | 'error', msg: string, fields?: LogFields) => {
    // Fields cannot overwrite the level, the message or the context (a field named request_id, say).
    const line = JSON.stringify(Object.assign({ level, msg, ...context, ...fields }, { level, msg }, context));
    if (level === 'error') console.error(line);
    else console.log(line);
  };
  return {
    info: (msg, fields) => write('info', msg, fields),
    warn: (msg, fields) => write('warn', msg, fields),
    error: (msg, fields) => write('error', msg, fields),
  };
}
