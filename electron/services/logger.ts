// Runs in Node (main process, dev host, CLI). The one logger. Messages are codes and counts;
// as a seatbelt it also redacts anything shaped like an ID number before a line is written.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const ID_NUMBER_LIKE = /\b\d{6}(?:\d{8})?\d{3}[\dXx]\b|\b\d{17}[\dXx]\b/g;

export function redact(text: string): string {
  return text.replace(ID_NUMBER_LIKE, '[redacted-id]');
}

export interface Logger {
  log(level: LogLevel, event: string, fields?: Record<string, string | number | boolean | null>): void;
}

export function createLogger(write: (line: string) => void = (line) => process.stderr.write(line + '\n'), minLevel: LogLevel = 'info'): Logger {
  const order: LogLevel[] = ['debug', 'info', 'warn', 'error'];
  return {
    log(level, event, fields = {}) {
      if (order.indexOf(level) < order.indexOf(minLevel)) return;
      write(redact(JSON.stringify({ t: new Date().toISOString(), level, event, ...fields })));
    },
  };
}

export const silentLogger: Logger = { log() {} };
