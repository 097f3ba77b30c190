// Runs anywhere (pure). The PIN pad as the activation flow sees it. The pad shows '*', counts
// keys, and returns only ciphertext: an ISO 9564 format-0 PIN block encrypted under a working
// key. Nothing here ever carries a clear PIN digit — key events are counts.
import type { CancelSignal } from '../../common/cancel';
import type { CodedError, Result } from '../../common/result';

export type PinAlgorithm = 'tdes' | 'sm4';
export type PinPurpose = 'current' | 'new' | 'confirm';

export interface PromptPinOptions {
  /** Exact PIN length (social-security PINs: 6). */
  readonly length: number;
  readonly purpose: PinPurpose;
  readonly signal: CancelSignal;
  /** Digits entered so far, after every key (digit, backspace, clear). Never the digits. */
  readonly onKey?: (count: number) => void;
  /**
   * The account digits bound into the format-0 block: the 12 rightmost digits of the account
   * number without its check digit (see pinAccountDigits). For the social security card we use
   * the card's social security number; "000000000000" binds nothing.
   */
  readonly accountDigits?: string;
  /** How long the citizen has, enforced by the pad itself. */
  readonly entryTimeoutSeconds?: number;
}

export interface PinEntry {
  /** 8 bytes (3DES) or 16 bytes (SM4). */
  readonly pinBlock: Uint8Array;
  readonly algorithm: PinAlgorithm;
  /** Hex KCV of the working key as the pad reports it. */
  readonly keyCheckValue: string;
}

export type PinPadErrorCode =
  | 'PINPAD_FRAME_CHECKSUM'
  | 'PINPAD_FRAME_GARBAGE'
  | 'PINPAD_TIMEOUT'
  | 'PINPAD_UNPLUGGED'
  | 'PINPAD_PORT_OPEN_FAILED'
  | 'PINPAD_CLOSED'
  | 'PINPAD_BUSY'
  /** The citizen pressed CANCEL on the pad. */
  | 'PINPAD_CANCELLED'
  /** The citizen did not finish in time (the pad's own timer). */
  | 'PINPAD_ENTRY_TIMEOUT'
  /** The caller's signal ended the prompt. */
  | 'PINPAD_ABORTED'
  | 'PINPAD_NO_KEY'
  | 'PINPAD_KEY_CHECK_MISMATCH'
  | 'PINPAD_BAD_PARAMETER'
  | 'PINPAD_PROTOCOL'
  | 'PINPAD_DEVICE_ERROR';

export interface PinPadError extends CodedError<PinPadErrorCode> {
  /** The pad's status byte, hex. */
  readonly padStatus?: string;
}

export type PinPadState = 'connecting' | 'ready' | 'prompting' | 'unplugged' | 'fault';

export interface PinPadStatus {
  readonly state: PinPadState;
  readonly lastError?: PinPadError;
}

export interface PinPadService {
  status(): PinPadStatus;
  onStatus(listener: (status: PinPadStatus) => void): () => void;
  promptPin(options: PromptPinOptions): Promise<Result<PinEntry, PinPadError>>;
  /** Reads the KCV of the working key in a slot (technician check, key-ceremony record). */
  keyCheckValue(algorithm: PinAlgorithm): Promise<Result<string, PinPadError>>;
  close(): Promise<void>;
}

/**
 * A block cipher (ECB, one block at a time). Node's crypto behind it (native/pinpad/node);
 * used by simulators (the pad encrypts, the simulated card decrypts) and for KCVs.
 */
export interface BlockCipher {
  readonly algorithm: PinAlgorithm;
  readonly blockBytes: 8 | 16;
  encrypt(key: Uint8Array, block: Uint8Array): Uint8Array;
  decrypt(key: Uint8Array, block: Uint8Array): Uint8Array;
}
