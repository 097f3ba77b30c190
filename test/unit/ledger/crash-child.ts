// Runs in Node (a child process of crash.test.ts, bundled to plain JS first). Appends a stream of
// entries to the ledger at argv[2] with the key store at argv[3], printing each acknowledged seq
// ("ack N") only after append() returned, until it is killed.
import { FileKeyStore } from '../../../electron/ledger/key-store';
import { openLedger } from '../../../electron/ledger/ledger';

const [path, keysDir, checkpointEvery] = process.argv.slice(2);
const clock = { now: () => Date.now(), setTimer: () => () => {} };
const opened = openLedger({ path: path!, kioskId: 'kiosk-crash', keyStore: new FileKeyStore(keysDir!, { warn: () => {} }), clock, checkpointEvery: Number(checkpointEvery) });
if (!opened.ok) {
  process.stdout.write(`error ${opened.error.code} ${opened.error.detail ?? ''}\n`);
  process.exit(3);
}
const ledger = opened.value;
// Synthetic identity only (the documented test vector).
const idNumber = '11010519491231002X';
process.stdout.write('ready\n');
for (let i = 0; ; i++) {
  const sessionId = `c${process.pid}-${Math.floor(i / 4)}`;
  const appended =
    i % 4 === 0
      ? ledger.append({ sessionId, kind: 'session_started', body: { flow: 'card_activation', language: 'zh-CN' } })
      : i % 4 === 1
        ? ledger.recordPerson({ sessionId, idNumber, name: '测试甲', address: '测试地址1号' })
        : i % 4 === 2
          ? ledger.append({ sessionId, kind: 'id_card_read', body: { cardType: 'resident', idNumberKey: ledger.idNumberKey(idNumber), idNumberValid: true, photoDecodable: true, expired: false, outcome: 'ok' } })
          : ledger.append({ sessionId, kind: 'session_ended', body: { outcome: 'completed' } });
  if (!appended.ok) {
    process.stdout.write(`error ${appended.error.code}\n`);
    process.exit(4);
  }
  process.stdout.write(`ack ${appended.value.seq}\n`);
}
