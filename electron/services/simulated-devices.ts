// Runs in Node (dev host, demo and training modes). The simulated ID card reader on a socat pty
// pair, opened by the kiosk through the real serialport binding exactly like a real reader, plus
// the controls tests and technicians use to place cards and inject faults.
import { z } from 'zod';
import { startSimulatedReader, type SimulatedReader } from '../../native/idcard/simulator/simulator-rig';
import { SYNTHETIC_CARD_KEYS } from '../../native/idcard/simulator/synthetic-cards';

export const SimulatorAction = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('place_card'), card: z.enum(SYNTHETIC_CARD_KEYS as [string, ...string[]]) }),
  z.strictObject({ action: z.literal('remove_card') }),
  z.strictObject({ action: z.literal('unplug') }),
  z.strictObject({ action: z.literal('replug') }),
  z.strictObject({ action: z.literal('slow_card'), ms: z.number().int().min(0).max(10_000) }),
  z.strictObject({ action: z.literal('corrupt_next_checksum') }),
  z.strictObject({ action: z.literal('force_next_status'), sw3: z.number().int().min(0).max(255) }),
  z.strictObject({ action: z.literal('unplug_during_next_reply') }),
  z.strictObject({ action: z.literal('reset_scenarios') }),
  /** The command names the simulated reader has received, for tests (no card data). */
  z.strictObject({ action: z.literal('received_commands') }),
]);
export type SimulatorAction = z.infer<typeof SimulatorAction>;

export interface SimulatorControl {
  handle(action: unknown): Promise<{ ok: boolean; detail?: string }>;
}

export async function startSimulatedIdReader(): Promise<{ reader: SimulatedReader; control: SimulatorControl }> {
  const reader = await startSimulatedReader();
  const control: SimulatorControl = {
    async handle(raw) {
      const parsed = SimulatorAction.safeParse(raw);
      if (!parsed.success) return { ok: false, detail: 'invalid action' };
      const action = parsed.data;
      const simulator = reader.simulator;
      switch (action.action) {
        case 'place_card':
          simulator.placeCard(action.card);
          break;
        case 'remove_card':
          simulator.removeCard();
          break;
        case 'unplug':
          await reader.unplug();
          break;
        case 'replug':
          await reader.replug();
          break;
        case 'slow_card':
          simulator.setSlowCard(action.ms);
          break;
        case 'corrupt_next_checksum':
          simulator.corruptNextChecksum();
          break;
        case 'force_next_status':
          simulator.forceNextStatus(action.sw3);
          break;
        case 'unplug_during_next_reply':
          simulator.unplugDuringNextReply();
          break;
        case 'reset_scenarios':
          simulator.resetScenarios();
          break;
        case 'received_commands':
          return { ok: true, detail: JSON.stringify(simulator.received) };
      }
      return { ok: true };
    },
  };
  return { reader, control };
}
