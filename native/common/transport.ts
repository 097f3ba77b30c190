// Runs anywhere (pure). The bottom layer of every device: bytes in, bytes out.
// Implementations: serialport (native/node/serial-transport.ts), node-hid through a
// brand's report wrapping, and in-memory pairs for tests.

export type TransportCloseReason =
  | { readonly kind: 'closed_by_host' }
  | { readonly kind: 'unplugged'; readonly detail?: string };

export interface ByteTransport {
  readonly isOpen: boolean;
  write(bytes: Uint8Array): Promise<void>;
  /** Subscribes to incoming chunks (any size, any split). Returns an unsubscribe function. */
  onData(listener: (chunk: Uint8Array) => void): () => void;
  /** Fires once when the transport closes, including when the device disappears. */
  onClose(listener: (reason: TransportCloseReason) => void): () => void;
  close(): Promise<void>;
}

/** Opens a transport; used by device services to reconnect after an unplug. */
export type TransportOpener = () => Promise<ByteTransport>;
