// Runs in Node. The composition root shared by Electron and the dev host: config → devices →
// ledger → session → contract handler. What differs between hosts (the key store, the version)
// is passed in.
import path from 'node:path';
import type { Clock } from '../../native/common/clock';
import type { TransportOpener } from '../../native/common/transport';
import { startReaderService } from '../../native/idcard/common/reader-service';
import type { IdCardReaderService, PhotoDecoder } from '../../native/idcard/common/types';
import { openHidTransport } from '../../native/idcard/node/hid-transport';
import { serialTransportOpener } from '../../native/idcard/node/serial-transport';
import { createWltDecoder, noPhotoDecoder } from '../../native/idcard/node/wlt-decoder';
import { systemClock } from '../../native/node/system-clock';
import type { DeviceStatus } from '../contract/contract';
import type { KeyStore } from '../ledger/key-store';
import { openLedger, type Ledger, type LedgerEntryInput } from '../ledger/ledger';
import { proofDigest } from '../ledger/proof';
import type { KioskConfig } from './config';
import { createContractHandler, type ContractHandler, type KioskServices } from './contract-handler';
import type { Logger } from './logger';
import { SessionService, type SessionLedger } from './session-service';
import { startSimulatedIdReader, type SimulatorControl } from './simulated-devices';
import { startActivationDevices } from './activation-devices';
import { startFace } from './face-setup';
import { SimulatedPhotoDecoder } from '../../native/idcard/simulator/synthetic-cards';
import { readImageFrame } from '../../native/face/node/frame-sources';
import { recoverPendingActivations } from './activation-recovery';

export interface ComposeOptions {
  readonly dataDir: string;
  readonly config: KioskConfig;
  readonly keyStore: KeyStore;
  readonly host: 'electron' | 'devhost';
  readonly version: string;
  readonly logger: Logger;
  readonly clock?: Clock;
  /**
   * Test seam for the crash-consistency suite: the dev host passes one that kills the process at
   * the named step (KIOSK_TEST_CRASH_AT). Electron never passes one.
   */
  readonly checkpoint?: (point: string) => void;
  /** Where the models' packages and models/manifest.json are, and the built face worker. */
  readonly repoRoot: string;
  readonly faceWorkerFile: string;
}

export interface ComposedKiosk {
  readonly services: KioskServices;
  readonly handler: ContractHandler;
  readonly ledger: Ledger;
  /** Present when devices are simulated: place cards, inject faults. */
  readonly simulator: SimulatorControl | null;
  close(): Promise<void>;
}

export class ComposeError extends Error {
  constructor(
    readonly code: string,
    readonly detail?: string,
  ) {
    super(code);
    this.name = 'ComposeError';
  }
}

const DAY_MS = 24 * 60 * 60 * 1000;

export function ledgerPath(dataDir: string): string {
  return path.join(dataDir, 'ledger', 'kiosk-ledger.sqlite');
}

export async function composeKiosk(options: ComposeOptions): Promise<ComposedKiosk> {
  const { config, logger } = options;
  const clock = options.clock ?? systemClock;
  const closers: Array<() => Promise<void> | void> = [];

  const opened = openLedger({ path: ledgerPath(options.dataDir), kioskId: config.kioskId, keyStore: options.keyStore, clock });
  if (!opened.ok) throw new ComposeError(opened.error.code, opened.error.detail);
  const ledger = opened.value;
  closers.push(() => ledger.close());

  let open: TransportOpener;
  let simulator: SimulatorControl | null = null;
  const readerConfig = config.idCardReader;
  if (readerConfig.kind === 'simulated') {
    const simulated = await startSimulatedIdReader();
    simulator = simulated.control;
    closers.push(() => simulated.reader.close());
    open = serialTransportOpener({ path: simulated.reader.hostPath, baudRate: 115200 });
  } else if (readerConfig.kind === 'serial') {
    open = serialTransportOpener({ path: readerConfig.path, baudRate: readerConfig.baudRate });
  } else {
    const hidPath = readerConfig.path;
    open = () => openHidTransport({ path: hidPath });
  }

  let photoDecoder: PhotoDecoder = noPhotoDecoder;
  if (readerConfig.kind === 'simulated' && Object.keys(readerConfig.referencePhotos).length > 0) {
    // Simulated cards carry no WLT photo: each is given an ordinary image as its "ID photo".
    const simulatedPhotos = new SimulatedPhotoDecoder();
    for (const [card, file] of Object.entries(readerConfig.referencePhotos)) {
      simulatedPhotos.setImage(card, async () => {
        const image = await readImageFrame(file);
        if (!image.ok) throw new Error(image.error.code);
        const bgr = image.value.data;
        for (let i = 0; i < bgr.length; i += 3) [bgr[i], bgr[i + 2]] = [bgr[i + 2]!, bgr[i]!];
        return { width: image.value.width, height: image.value.height, bgr };
      });
    }
    photoDecoder = simulatedPhotos;
  } else if (config.photoDecoder.kind === 'vendor-wlt') {
    const wlt = createWltDecoder({ libraryPath: config.photoDecoder.libraryPath });
    if (!wlt.available) logger.log('warn', 'photo_decoder_unavailable', { reason: wlt.reason });
    photoDecoder = wlt.decoder;
  }

  const reader: IdCardReaderService = startReaderService({
    open,
    clock,
    photoDecoder,
    onEvent: (event) => {
      if (event.kind === 'state') logger.log('info', 'id_reader_state', { state: event.state, code: event.code ?? null });
    },
  });
  closers.push(() => reader.close());

  // The ledger's schema checks every body; the session's effects only produce valid kinds.
  const sessionLedger: SessionLedger = {
    append: (entry) => {
      const appended = ledger.append(entry as unknown as LedgerEntryInput);
      if (appended.ok) options.checkpoint?.(`after:${entry.kind}`);
      return appended;
    },
    idNumberKey: (idNumber) => ledger.idNumberKey(idNumber),
    recordPerson: (person) => ledger.recordPerson(person),
    receiptProof: (seq) => {
      // A checkpoint now, so the entry is covered and its proof can go on the receipt at once.
      if (!ledger.checkpoint().ok) return null;
      const proof = ledger.prove(seq);
      return proof.ok ? { qrPayload: JSON.stringify(proof.value), digest: proofDigest(proof.value) } : null;
    },
  };

  // Personal data is kept only as long as allowed: purged at start and daily, then compacted so
  // the erased bytes leave the file.
  const purge = () => {
    const purged = ledger.purgeExpiredPii(config.retention.piiDays);
    if (!purged.ok) logger.log('error', 'retention_purge_failed', { code: purged.error.code });
    // VACUUM rewrites the file: only worth it when something was erased.
    else if (purged.value.values > 0 && !ledger.compact().ok) logger.log('warn', 'ledger_compact_failed', {});
  };
  purge();
  let cancelPurge = clock.setTimer(DAY_MS, function again() {
    purge();
    cancelPurge = clock.setTimer(DAY_MS, again);
  });
  closers.push(() => cancelPurge());

  const activation = await startActivationDevices(config.activation, config.kioskId, config.branchName);
  if (activation) {
    closers.push(() => activation.close());
    // An activation a crash left unanswered is finished before anyone new is served.
    const recovery = await recoverPendingActivations(ledger, activation.devices.host, logger);
    if (recovery.unresolved > 0) logger.log('error', 'activation_unresolved_staff_needed', { count: recovery.unresolved });
  }

  const face = await startFace(config.face, options.repoRoot, options.faceWorkerFile, logger);
  if (face) closers.push(() => face.close());

  const session = new SessionService({
    reader,
    ledger: sessionLedger,
    photoDecoder,
    clock,
    logger,
    timings: config.timings,
    ...(activation ? { activation: activation.devices } : {}),
    ...(options.checkpoint ? { checkpoint: options.checkpoint } : {}),
    ...(face ? { face: face.check } : {}),
  });
  closers.push(() => session.shutdown());
  if (activation && simulator) {
    const idCardControl = simulator;
    simulator = {
      async handle(action) {
        return (await activation.handle(action)) ?? idCardControl.handle(action);
      },
    };
  }
  if (face && simulator) {
    const inner = simulator;
    simulator = {
      async handle(action) {
        if (typeof action === 'object' && action !== null && (action as { action?: unknown }).action === 'unplug_camera') {
          return face.unplugCamera() ? { ok: true } : { ok: false, detail: 'no camera open' };
        }
        return inner.handle(action);
      },
    };
  }

  const simulated = readerConfig.kind === 'simulated';
  if (readerConfig.kind === 'simulated' && readerConfig.autoPlaceAfterMs !== null && simulator) {
    closers.push(demoAutoCard(session, simulator, readerConfig.card, readerConfig.autoPlaceAfterMs, clock));
  }

  const deviceStatus = (): DeviceStatus => ({ idCardReader: { state: reader.status().state, simulated } });
  const services: KioskServices = {
    info: { version: options.version, host: options.host, simulatedDevices: simulated, kioskId: config.kioskId },
    session,
    deviceStatus,
    onDeviceStatus: (listener) => reader.onStatus(() => listener(deviceStatus())),
  };
  const handler = createContractHandler(services, logger);

  return {
    services,
    handler,
    ledger,
    simulator,
    async close() {
      for (const close of closers.reverse()) {
        try {
          await close();
        } catch (error) {
          logger.log('warn', 'close_failed', { name: error instanceof Error ? error.name : 'unknown' });
        }
      }
    },
  };
}

/** Demo mode: places the synthetic card when the kiosk asks for it and takes it back when told to. */
function demoAutoCard(session: SessionService, simulator: SimulatorControl, card: string, delayMs: number, clock: Clock): () => void {
  let cancel: (() => void) | null = null;
  const off = session.onChange((view) => {
    cancel?.();
    cancel = null;
    if (view.screen === 'insert_card') cancel = clock.setTimer(delayMs, () => void simulator.handle({ action: 'place_card', card }));
    if (view.screen === 'remove_card') cancel = clock.setTimer(1500, () => void simulator.handle({ action: 'remove_card' }));
  });
  return () => {
    cancel?.();
    off();
  };
}
