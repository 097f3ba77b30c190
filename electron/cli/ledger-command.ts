// Runs in Node (CLI). `kioskctl ledger …`: verification and proofs for auditors and technicians.
// Only reads the database (a read-only connection), needs no key store, and never prints personal
// data (entry bodies hold none; sealed values are never read here).
//
//   ledger verify DB [--public-key HEX] [--all-signatures] [--no-anchor] [--json]
//   ledger prove SEQ --db DB [--out FILE] [--qr FILE.svg]
//   ledger check-proof FILE [--public-key HEX]
//   ledger public-key DB
//
// Exit codes: 0 verified / done; 1 verification failed (the first bad entry and why are printed);
// 2 usage error, or the file cannot be read.
import Database from 'better-sqlite3';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { headAnchorPath } from '../ledger/head-anchor';
import { buildInclusionProof, checkInclusionProof, proofQrSvg } from '../ledger/proof';
import { keyIdOf } from '../ledger/signing';
import { verifyLedgerFile } from '../ledger/parallel-verify';
import { readLedgerMeta } from '../ledger/verify';
import { mkdirSync } from 'node:fs';
import { FileKeyStore } from '../ledger/key-store';
import { openLedger } from '../ledger/ledger';
import { systemClock } from '../../native/node/system-clock';

export interface CommandIo {
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
}

/**
 * The worker-thread script for parallel verification: the bundle of electron/ledger/verify-worker.ts,
 * expected beside the bundled CLI. Absent (tests run from source), verify uses one thread.
 */
export const LEDGER_VERIFY_WORKER_SCRIPT = join(__dirname, 'ledger-verify-worker.cjs');

const USAGE = `usage:
  kioskctl ledger verify DB [--public-key HEX] [--all-signatures] [--no-anchor] [--json]
  kioskctl ledger prove SEQ --db DB [--out FILE] [--qr FILE.svg]
  kioskctl ledger check-proof FILE [--public-key HEX]
  kioskctl ledger public-key DB
  kioskctl ledger export --db DB --keys DIR --staff ID --reason CODE --out DIR   (ID number on stdin)
`;

class UsageError extends Error {}

interface Parsed {
  readonly positional: string[];
  readonly options: Map<string, string | true>;
}

const VALUE_OPTIONS = new Set(['--public-key', '--db', '--out', '--qr', '--keys', '--staff', '--reason']);
const FLAG_OPTIONS = new Set(['--all-signatures', '--no-anchor', '--json']);

function parse(argv: readonly string[]): Parsed {
  const positional: string[] = [];
  const options = new Map<string, string | true>();
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index]!;
    if (VALUE_OPTIONS.has(arg)) {
      const value = argv[++index];
      if (value === undefined) throw new UsageError(`${arg} needs a value`);
      options.set(arg, value);
    } else if (FLAG_OPTIONS.has(arg)) options.set(arg, true);
    else if (arg.startsWith('--')) throw new UsageError(`unknown option ${arg}`);
    else positional.push(arg);
  }
  return { positional, options };
}

function pinnedKey(options: Parsed['options']): Buffer | undefined {
  const value = options.get('--public-key');
  if (value === undefined || value === true) return undefined;
  // A hex key, or a file holding one (as `ledger public-key` prints it).
  const text = /^[0-9a-fA-F]{64}$/.test(value) ? value : existsSync(value) ? readFileSync(value, 'utf8').trim() : value;
  if (!/^[0-9a-fA-F]{64}$/.test(text)) throw new UsageError('--public-key must be 64 hex characters or a file holding them');
  return Buffer.from(text.toLowerCase(), 'hex');
}

function openReadOnly(path: string): Database.Database {
  if (!existsSync(path)) throw new UsageError(`no such file: ${path}`);
  return new Database(path, { readonly: true, fileMustExist: true });
}

export async function runLedgerCommand(argv: string[], io: CommandIo): Promise<number> {
  const [subcommand, ...rest] = argv;
  try {
    const parsed = parse(rest);
    switch (subcommand) {
      case 'verify':
        return await verifyCommand(parsed, io);
      case 'prove':
        return await proveCommand(parsed, io);
      case 'check-proof':
        return checkProofCommand(parsed, io);
      case 'public-key':
        return publicKeyCommand(parsed, io);
      case 'export':
        return await exportCommand(parsed, io);
      default:
        io.stderr(USAGE);
        return 2;
    }
  } catch (caught) {
    if (caught instanceof UsageError) {
      io.stderr(`${caught.message}\n${USAGE}`);
      return 2;
    }
    io.stderr(`error: ${caught instanceof Error ? caught.message : String(caught)}\n`);
    return 2;
  }
}

async function verifyCommand({ positional, options }: Parsed, io: CommandIo): Promise<number> {
  if (positional.length !== 1) throw new UsageError('verify takes one database path');
  const path = positional[0]!;
  const publicKey = pinnedKey(options);
  if (!existsSync(path)) throw new UsageError(`no such file: ${path}`);
  {
    const started = process.hrtime.bigint();
    const outcome = await verifyLedgerFile(path, {
      ...(publicKey === undefined ? {} : { publicKey }),
      signatures: options.has('--all-signatures') ? 'all' : 'checkpointed',
      anchorPath: options.has('--no-anchor') ? null : headAnchorPath(path),
      workerScript: LEDGER_VERIFY_WORKER_SCRIPT,
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (options.has('--json')) {
      io.stdout(`${JSON.stringify(outcome.ok ? { ok: true, ...outcome.value, seconds } : { ok: false, ...outcome.error })}\n`);
      return outcome.ok ? 0 : 1;
    }
    if (!outcome.ok) {
      const failure = outcome.error;
      io.stdout(`FAILED: entry ${failure.seq}: ${failure.code} (${failure.detail})\n`);
      return 1;
    }
    const report = outcome.value;
    io.stdout(
      `OK: ${report.count} entries, ${report.checkpoints} checkpoints, head ${report.head === null ? 'none' : `${report.head.seq} ${report.head.hash}`}` +
        `${report.publicKey === null ? ', unsigned' : `, key ${keyIdOf(Buffer.from(report.publicKey, 'hex'))}${publicKey === undefined ? ' (from the file; pass --public-key to pin it)' : ' (pinned)'}`}` +
        `, ${seconds.toFixed(2)} s\n`,
    );
    if (report.signedFromSeq !== null && report.signedFromSeq > 1) io.stdout(`note: entries 1..${report.signedFromSeq - 1} predate signing and are covered by the hash chain only\n`);
    if (report.anchor === 'absent' || report.anchor === 'unreadable') io.stderr(`warning: head anchor ${report.anchor} (${headAnchorPath(path)}); entries lost from the end would not show\n`);
    return 0;
  }
}

async function proveCommand({ positional, options }: Parsed, io: CommandIo): Promise<number> {
  if (positional.length !== 1 || !/^[1-9][0-9]*$/.test(positional[0]!)) throw new UsageError('prove takes one entry number');
  const path = options.get('--db');
  if (typeof path !== 'string') throw new UsageError('prove needs --db DB');
  const seq = Number(positional[0]);
  const db = openReadOnly(path);
  let proof;
  try {
    proof = buildInclusionProof(db, seq);
  } finally {
    db.close();
  }
  if (proof === null) {
    io.stderr(`entry ${seq} does not exist, is unsigned, or no checkpoint covers it yet\n`);
    return 1;
  }
  const text = `${JSON.stringify(proof, null, 2)}\n`;
  const out = options.get('--out');
  if (typeof out === 'string') writeFileSync(out, text);
  else io.stdout(text);
  const qr = options.get('--qr');
  if (typeof qr === 'string') {
    writeFileSync(qr, await proofQrSvg(proof));
  }
  return 0;
}

function checkProofCommand({ positional, options }: Parsed, io: CommandIo): number {
  if (positional.length !== 1) throw new UsageError('check-proof takes one proof file');
  const file = positional[0]!;
  if (!existsSync(file)) throw new UsageError(`no such file: ${file}`);
  let proof: unknown;
  try {
    proof = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    io.stdout('FAILED: malformed (not JSON)\n');
    return 1;
  }
  const publicKey = pinnedKey(options);
  const checked = checkInclusionProof(proof, publicKey);
  if (!checked.ok) {
    io.stdout(`FAILED: ${checked.error.code} (${checked.error.detail})\n`);
    return 1;
  }
  const value = checked.value;
  io.stdout(`OK: entry ${value.seq} of kiosk ${value.kioskId} is in checkpoint ${value.checkpoint}, signed by key ${value.keyId}${publicKey === undefined ? ' (the key in the proof; pass --public-key to pin it)' : ' (pinned)'}\n`);
  return 0;
}

function publicKeyCommand({ positional }: Parsed, io: CommandIo): number {
  if (positional.length !== 1) throw new UsageError('public-key takes one database path');
  const db = openReadOnly(positional[0]!);
  try {
    const meta = readLedgerMeta(db);
    if (meta.publicKey === null) {
      io.stderr('the ledger records no signing key (it predates signing)\n');
      return 1;
    }
    io.stdout(`${meta.publicKey.toString('hex')}\n`);
    return 0;
  } finally {
    db.close();
  }
}

/**
 * Everything recorded about one person, for a supervisor answering a data-subject request: JSON
 * and a readable HTML page. The ID number comes on stdin, never on the command line (shell history,
 * `ps`), and the read is itself recorded in the ledger, with who and why. Works where the ledger's
 * keys are in a file (the dev host); in the Electron kiosk the keys are in the OS key store and the
 * export is made inside the app.
 */
async function exportCommand({ options }: Parsed, io: CommandIo): Promise<number> {
  const path = options.get('--db');
  const keys = options.get('--keys');
  const staffId = options.get('--staff');
  const reason = options.get('--reason');
  const out = options.get('--out');
  if (typeof path !== 'string' || typeof keys !== 'string' || typeof staffId !== 'string' || typeof reason !== 'string' || typeof out !== 'string') {
    throw new UsageError('export needs --db, --keys, --staff, --reason and --out');
  }
  if (!existsSync(path)) throw new UsageError(`no ledger at ${path}`);
  const idNumber = readFileSync(0, 'utf8').trim();
  if (!/^[0-9A-Za-z]{15,18}$/.test(idNumber)) {
    io.stderr('export: give the ID number on standard input\n');
    return 2;
  }
  const db = openReadOnly(path);
  let kioskId: string;
  try {
    kioskId = (db.prepare('SELECT kiosk_id AS kioskId FROM entries ORDER BY seq DESC LIMIT 1').get() as { kioskId?: string } | undefined)?.kioskId ?? 'EXPORT';
  } finally {
    db.close();
  }
  const opened = openLedger({ path, kioskId, keyStore: new FileKeyStore(keys, { warn: () => {} }), clock: systemClock });
  if (!opened.ok) {
    io.stderr(`export: ${opened.error.code}\n`);
    return 1;
  }
  try {
    const exported = opened.value.exportDataSubject(idNumber, { staffId, role: 'supervisor', reason });
    if (!exported.ok) {
      io.stderr(`export: ${exported.error.code}\n`);
      return 1;
    }
    mkdirSync(out, { recursive: true, mode: 0o700 });
    writeFileSync(join(out, 'data-subject.json'), exported.value.json, { mode: 0o600 });
    writeFileSync(join(out, 'data-subject.html'), exported.value.html, { mode: 0o600 });
    io.stdout(`exported to ${join(out, 'data-subject.html')} and data-subject.json (this access is recorded in the ledger)\n`);
    return 0;
  } finally {
    opened.value.close();
  }
}
