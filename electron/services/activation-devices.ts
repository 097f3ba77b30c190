// Runs in Node. The devices of the activation step — social-security card reader, PIN pad,
// receipt printer, bank host — either real (serial ports, the bank's URL) or simulated on socat
// pty pairs and a loopback HTTP host, opened by the kiosk through the same drivers either way.
import { z } from 'zod';
import { HttpBankHost } from '../../native/bankhost/node/http-bank-host';
import { newIdempotencyKey } from '../../native/bankhost/node/idempotency-key';
import { startBankHostSimulator, type BankHostSimulator } from '../../native/bankhost/simulator/bank-host-simulator';
import { openSerialPadService } from '../../native/pinpad/node/open-pad-service';
import { startSimulatedPinPad } from '../../native/pinpad/simulator/simulator-rig';
import { openSerialPrinter } from '../../native/printer/node/printer-node';
import { startSimulatedPrinter } from '../../native/printer/simulator/simulator-rig';
import { openSerialCardService } from '../../native/sscard/node/open-card-service';
import { cardFields, SYNTHETIC_SSCARDS } from '../../native/sscard/simulator/synthetic-sscards';
import { startSimulatedCardReader } from '../../native/sscard/simulator/simulator-rig';
import type { VirtualCardProfile } from '../../native/sscard/simulator/virtual-card';
import { SYNTHETIC_CARDS } from '../../native/idcard/simulator/synthetic-cards';
import type { ActivationDevices } from './activation-runner';
import type { ActivationConfig } from './config';

/** Social-security cards the simulated reader offers. `holder…` belong to the simulated ID card's person. */
export function simulatedSsCards(): Record<string, VirtualCardProfile> {
  const person = SYNTHETIC_CARDS.resident.text;
  const holder = cardFields({ idNumber: person.idNumber, name: person.name, cardNumber: 'S10000001', generation: 3 });
  return {
    holder: { key: 'holder', generation: 3, protocol: 1, fields: holder, pin: '123456' },
    'holder-t0': { key: 'holder-t0', generation: 2, protocol: 0, fields: holder, pin: '123456', chainChunk: 32 },
    'holder-blocked-pin': { key: 'holder-blocked-pin', generation: 3, protocol: 1, fields: holder, pin: '123456', pinTriesLeft: 0 },
    'other-person': SYNTHETIC_SSCARDS['other-person']!,
    'bank-only': SYNTHETIC_SSCARDS['bank-only']!,
  };
}

export const ActivationAction = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('insert_ss_card'), card: z.string().max(40) }),
  z.strictObject({ action: z.literal('remove_ss_card') }),
  z.strictObject({ action: z.literal('pull_ss_card_during_next_apdu'), afterExecution: z.boolean().default(false) }),
  /** Keys pressed on the simulated PIN pad, e.g. "123456 OK" (the citizen's fingers, not the app). */
  z.strictObject({ action: z.literal('pinpad_keys'), keys: z.string().max(80) }),
  z.strictObject({ action: z.literal('printer_paper'), state: z.enum(['ok', 'near_end', 'out']) }),
  z.strictObject({ action: z.literal('printed_receipts') }),
  z.strictObject({
    action: z.literal('host_script'),
    scenarios: z.array(z.enum(['approve', 'reject', 'timeout_before_commit', 'timeout_after_commit', 'server_error', 'duplicate'])).max(10),
  }),
  z.strictObject({ action: z.literal('host_activations') }),
]);

export interface StartedActivationDevices {
  readonly devices: ActivationDevices;
  /** Simulator controls, when simulated. */
  handle(action: unknown): Promise<{ ok: boolean; detail?: string } | null>;
  close(): Promise<void>;
}

export async function startActivationDevices(config: ActivationConfig, kioskId: string, branchName: string): Promise<StartedActivationDevices | null> {
  if (config.kind === 'none') return null;
  const closers: Array<() => Promise<void>> = [];
  let sscardPath: string;
  let pinPadPath: string;
  let printerPath: string;
  let hostUrl: string;
  let simulated: { card: Awaited<ReturnType<typeof startSimulatedCardReader>>; pad: Awaited<ReturnType<typeof startSimulatedPinPad>>; printer: Awaited<ReturnType<typeof startSimulatedPrinter>>; host: BankHostSimulator | null } | null = null;

  if (config.kind === 'simulated') {
    const card = await startSimulatedCardReader({ simulator: { cards: simulatedSsCards() } });
    const pad = await startSimulatedPinPad();
    const printer = await startSimulatedPrinter();
    const host = config.bankHostUrl ? null : await startBankHostSimulator();
    simulated = { card, pad, printer, host };
    closers.push(() => card.close(), () => pad.close(), () => printer.close());
    if (host) closers.push(() => host.close());
    sscardPath = card.hostPath;
    pinPadPath = pad.hostPath;
    printerPath = printer.hostPath;
    hostUrl = config.bankHostUrl ?? host!.baseUrl;
  } else {
    sscardPath = config.sscardReader.path;
    pinPadPath = config.pinPad.path;
    printerPath = config.printer.path;
    hostUrl = config.bankHost.url;
  }

  const cardService = openSerialCardService({ path: sscardPath, ...(config.kind === 'devices' ? { baudRate: config.sscardReader.baudRate, cpuCardCm: config.sscardReader.cpuCardCm } : {}) });
  const pinPad = openSerialPadService({ path: pinPadPath, ...(config.kind === 'devices' ? { baudRate: config.pinPad.baudRate, algorithm: config.pinPad.algorithm } : {}) });
  const printer = openSerialPrinter({ path: printerPath, ...(config.kind === 'devices' ? { baudRate: config.printer.baudRate } : {}) });
  closers.unshift(() => cardService.close(), () => pinPad.close(), () => printer.close());
  const host = new HttpBankHost({ baseUrl: hostUrl, timeoutMs: config.kind === 'devices' ? config.bankHost.timeoutMs : 3000 });

  return {
    devices: { card: cardService, pinPad, host, printer, branchName, kioskId, newIdempotencyKey: () => newIdempotencyKey(kioskId) },
    async handle(raw) {
      const parsed = ActivationAction.safeParse(raw);
      if (!parsed.success) return null;
      if (!simulated) return { ok: false, detail: 'devices are not simulated' };
      const action = parsed.data;
      switch (action.action) {
        case 'insert_ss_card':
          try {
            simulated.card.simulator.insertCard(action.card);
          } catch {
            return { ok: false, detail: 'unknown card' };
          }
          return { ok: true };
        case 'remove_ss_card':
          simulated.card.simulator.removeCard();
          return { ok: true };
        case 'pull_ss_card_during_next_apdu':
          simulated.card.simulator.pullCardDuringNextApdu({ afterExecution: action.afterExecution });
          return { ok: true };
        case 'pinpad_keys': {
          // A person types once the pad shows its prompt; typing into a pad that has none yet
          // would queue the keys for whichever prompt comes next.
          for (let waited = 0; !simulated.pad.pad.prompting && waited < 10_000; waited += 25) await new Promise((resolve) => setTimeout(resolve, 25));
          if (!simulated.pad.pad.prompting) return { ok: false, detail: 'the PIN pad is not asking for a PIN' };
          simulated.pad.pad.enter(action.keys);
          return { ok: true };
        }
        case 'printer_paper':
          simulated.printer.printer.setPaper(action.state);
          return { ok: true };
        case 'printed_receipts':
          return { ok: true, detail: JSON.stringify(simulated.printer.printer.receipts()) };
        case 'host_script':
          if (!simulated.host) return { ok: false, detail: 'external host' };
          for (const kind of action.scenarios) simulated.host.script(kind === 'reject' ? { kind, reason: 'simulated rejection' } : { kind });
          return { ok: true };
        case 'host_activations':
          if (!simulated.host) return { ok: false, detail: 'external host' };
          return { ok: true, detail: JSON.stringify(simulated.host.activations) };
      }
    },
    async close() {
      for (const close of closers) await close().catch(() => {});
    },
  };
}
