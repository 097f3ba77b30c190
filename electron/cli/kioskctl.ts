// Runs in Node. The technicians' CLI: `kioskctl <area> <command> …`. Each area lives in its
// own module; this file only dispatches.
import { runIdcardCommand, processOutput } from './idcard-command';
import { runSscardCommand } from './sscard-command';
import { runLedgerCommand } from './ledger-command';
import { runFaceCommand } from './face-command';

/** For the commands that write whole chunks; a chunk always ends its line. */
const line = (text: string) => (text.endsWith('\n') ? text : `${text}\n`);
const processStreams = {
  stdout: (text: string) => void process.stdout.write(line(text)),
  stderr: (text: string) => void process.stderr.write(line(text)),
};

const AREAS: Record<string, (args: string[]) => Promise<number>> = {
  idcard: (args) => runIdcardCommand(args, processOutput),
  sscard: (args) => runSscardCommand(args, processStreams),
  ledger: (args) => runLedgerCommand(args, processStreams),
  face: (args) => runFaceCommand(args, { stdout: process.stdout, stderr: process.stderr }),
};

export async function main(argv: string[]): Promise<number> {
  const [area, ...rest] = argv;
  const run = area === undefined ? undefined : AREAS[area];
  if (!run) {
    process.stderr.write(`usage: kioskctl <${Object.keys(AREAS).join('|')}> …\n`);
    return 2;
  }
  return run(rest);
}

void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
