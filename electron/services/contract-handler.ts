// Runs in Node (main process or dev host). Binds the contract to the services, once, for both
// hosts: the Electron IPC binding and the dev host's WebSocket call this and nothing else.
// Every input is validated by the contract before a service sees it.
import { parseCall, parseEvent, type CallChannel, type CallInput, type CallOutput, type CallResult, type EventChannel, type EventPayload, type AppInfo, type DeviceStatus } from '../contract/contract';
import type { SessionService } from './session-service';
import type { Logger } from './logger';

export interface KioskServices {
  readonly info: AppInfo;
  readonly session: SessionService;
  deviceStatus(): DeviceStatus;
  onDeviceStatus(listener: (status: DeviceStatus) => void): () => void;
}

export interface ContractHandler {
  call(channel: unknown, payload: unknown): Promise<CallResult<unknown>>;
  /** Subscribes to every event the renderer may receive, already validated. */
  subscribe(listener: <E extends EventChannel>(channel: E, payload: EventPayload<E>) => void): () => void;
}

export function createContractHandler(services: KioskServices, logger: Logger): ContractHandler {
  const handlers: { [C in CallChannel]: (input: CallInput<C>) => CallOutput<C> } = {
    'app:info': () => services.info,
    'session:view': () => services.session.view(),
    'session:send': (intent) => services.session.send(intent),
    'devices:status': () => services.deviceStatus(),
  };

  return {
    async call(channel, payload) {
      const parsed = parseCall(channel, payload);
      if (!parsed.ok) {
        logger.log('warn', 'contract_call_refused', { code: parsed.error.code, channel: typeof channel === 'string' ? channel.slice(0, 40) : typeof channel });
        return parsed;
      }
      try {
        const handler = handlers[parsed.channel] as (input: unknown) => unknown;
        return { ok: true, value: handler(parsed.input) };
      } catch (error) {
        logger.log('error', 'contract_call_failed', { channel: parsed.channel, name: error instanceof Error ? error.name : 'unknown' });
        return { ok: false, error: { code: 'INTERNAL' } };
      }
    },
    subscribe(listener) {
      const send = <E extends EventChannel>(channel: E, payload: unknown) => {
        const valid = parseEvent(channel, payload);
        if (valid) listener(channel, valid);
        else logger.log('error', 'contract_event_invalid', { channel });
      };
      const offSession = services.session.onChange((view) => send('session:changed', view));
      const offPreview = services.session.onPreview((preview) => send('face:preview', preview));
      const offDevices = services.onDeviceStatus((status) => send('devices:changed', status));
      return () => {
        offSession();
        offPreview();
        offDevices();
      };
    },
  };
}
