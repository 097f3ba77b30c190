// Runs anywhere (pure). The social security card as the activation flow sees it: what a read
// yields, what can go wrong (stable codes), the PIN change that only ever carries the PIN pad's
// ciphertext, and the CardReader seam that a PC/SC (CCID) or vendor-SDK reader can implement
// beside the CRT-310-style serial reader.
import type { CancelSignal } from '../../common/cancel';
import type { CodedError, Result } from '../../common/result';

/** 1, 2 or 3 from the spec version's first character (EF05 tag 03); 3 is partly unconfirmed (§4.2). */
export type CardGeneration = 1 | 2 | 3;

export interface SocialSecurityCardData {
  /** EF05 tag 07, 9 ASCII characters. */
  readonly cardNumber: string;
  /** EF05 tag 01, 16 characters. */
  readonly cardIdCode: string;
  /** First 6 characters of the card identification code (GB/T 2260 region). */
  readonly region: string;
  readonly generation: CardGeneration;
  /** EF05 tag 03 as read, e.g. "2.00". */
  readonly specVersion: string;
  /** YYYY-MM-DD (BCD on the card). */
  readonly issueDate: string;
  readonly expiryDate: string;
  /** EF06 tag 08: the citizen ID number. */
  readonly socialSecurityNumber: string;
  /** EF06 tag 09 (GBK), with tag 4E appended when the card has a name extension. */
  readonly name: string;
  readonly gender: 'male' | 'female' | 'unknown';
  /** GB 3304 two-digit code. */
  readonly nation: string;
  readonly birthDate: string;
}

/** What the PIN pad returned: an ISO 9564 format-0 block under a working key. Never clear digits. */
export interface PadPinBlock {
  readonly pinBlock: Uint8Array;
  readonly algorithm: 'tdes' | 'sm4';
  /** Hex KCV of the working key the block is encrypted under. */
  readonly keyCheckValue: string;
}

export interface PinChange {
  readonly current: PadPinBlock;
  readonly next: PadPinBlock;
}

export type SscardErrorCode =
  // framing (reader link)
  | 'SSCARD_FRAME_CHECKSUM'
  | 'SSCARD_FRAME_LENGTH'
  | 'SSCARD_FRAME_TERMINATOR'
  | 'SSCARD_FRAME_GARBAGE'
  | 'SSCARD_FRAME_TRUNCATED'
  // reader
  | 'CARD_READER_TIMEOUT'
  | 'CARD_READER_NAK'
  | 'CARD_READER_UNPLUGGED'
  | 'CARD_READER_PORT_OPEN_FAILED'
  | 'CARD_READER_BUSY'
  | 'CARD_READER_CLOSED'
  | 'CARD_READER_PROTOCOL'
  /** A negative ('N') reply the table does not name; detail and readerCode carry the code. */
  | 'CARD_READER_ERROR'
  // card presence and power
  | 'CARD_ABSENT'
  | 'CARD_REMOVED'
  | 'CARD_ACTIVATION_FAILED'
  | 'CARD_ATR_INVALID'
  | 'CARD_COMMUNICATION_ERROR'
  | 'CARD_ABORTED'
  /** A PIN command may or may not have reached the card (no ACK); it was not resent. */
  | 'CARD_OUTCOME_UNKNOWN'
  // status words (§4.5)
  | 'CARD_MORE_DATA'
  | 'CARD_WRONG_LE'
  | 'CARD_DATA_CORRUPT'
  | 'CARD_END_OF_FILE'
  | 'CARD_WRONG_PIN'
  | 'CARD_MEMORY_FAILURE'
  | 'CARD_WRONG_LENGTH'
  /** 6982 — before EF06 on some regions' cards: the flow must verify a PIN first. */
  | 'CARD_PIN_REQUIRED'
  | 'CARD_PIN_BLOCKED'
  | 'CARD_DATA_INVALID'
  | 'CARD_CONDITIONS_NOT_SATISFIED'
  | 'CARD_FUNCTION_NOT_SUPPORTED'
  | 'CARD_FILE_NOT_FOUND'
  | 'CARD_RECORD_NOT_FOUND'
  | 'CARD_WRONG_P1P2'
  | 'CARD_INS_NOT_SUPPORTED'
  | 'CARD_CLA_NOT_SUPPORTED'
  | 'CARD_STATUS_UNKNOWN'
  // content
  | 'CARD_NOT_SOCIAL_SECURITY'
  | 'CARD_DATA_MALFORMED'
  | 'CARD_FIELD_NOT_WRITTEN'
  | 'CARD_PIN_BLOCK_INVALID';

export interface SscardError extends CodedError<SscardErrorCode> {
  /** The status word as 4 hex digits, for errors that came from the card. */
  readonly sw?: string;
  /** CARD_WRONG_PIN: tries left (63Cx). */
  readonly triesLeft?: number;
  /** CARD_READER_ERROR and friends: the reader's error code after 'N'. */
  readonly readerCode?: string;
  /** Which file/field the error concerns (EF05, EF06, tag name): never a value. */
  readonly field?: string;
}

export type CardPresence = 'absent' | 'present' | 'powered';

export interface AnswerToReset {
  readonly bytes: Uint8Array;
  /** Protocols the card offers, in ATR order (the first is the one it starts in); T=0 when TD1 is absent. */
  readonly protocols: readonly (0 | 1)[];
  readonly historicalBytes: Uint8Array;
}

/**
 * The seam between the card client and a physical reader. The CRT-310-style serial reader is one
 * implementation; a PC/SC reader would map these to SCardConnect/SCardTransmit/SCardStatus.
 */
export interface CardReader {
  readonly name: string;
  presence(): Promise<Result<CardPresence, SscardError>>;
  powerOn(kind: 'cold' | 'warm'): Promise<Result<AnswerToReset, SscardError>>;
  powerOff(): Promise<Result<void, SscardError>>;
  /** One C-APDU → one R-APDU (data ‖ SW1 SW2). No 61xx/6Cxx handling: the ApduChannel does that. */
  transmit(apdu: Uint8Array, protocol: 0 | 1): Promise<Result<Uint8Array, SscardError>>;
  /** Motorised readers move the card to the mouth; others just power down. */
  eject(): Promise<Result<void, SscardError>>;
  dispose(): void;
}

export type CardServiceState = 'connecting' | 'ready' | 'card_present' | 'unplugged' | 'fault';

export interface CardServiceStatus {
  readonly state: CardServiceState;
  readonly lastError?: SscardError;
}

/** The device service the activation flow talks to. */
export interface SocialSecurityCardService {
  status(): CardServiceStatus;
  onStatus(listener: (status: CardServiceStatus) => void): () => void;
  /** Polls until a card is inserted. */
  waitForCard(options: { readonly signal: CancelSignal }): Promise<Result<void, SscardError>>;
  /**
   * Powers the card, selects the application, reads EF05 and EF06. Never writes. A card that
   * guards EF06 answers CARD_PIN_REQUIRED; call again with `pin` (the pad's block for the current
   * PIN) to VERIFY first — CARD_WRONG_PIN / CARD_PIN_BLOCKED then come from that VERIFY.
   */
  readCard(options?: { readonly pin?: PadPinBlock }): Promise<Result<SocialSecurityCardData, SscardError>>;
  /**
   * CHANGE PIN with the two blocks the PIN pad produced. The blocks are forwarded as they are;
   * the service never sees clear digits. CARD_WRONG_PIN carries triesLeft.
   */
  changePin(change: PinChange): Promise<Result<void, SscardError>>;
  eject(): Promise<Result<void, SscardError>>;
  waitForRemoval(options: { readonly signal: CancelSignal }): Promise<Result<void, SscardError>>;
  close(): Promise<void>;
}

/** GBK bytes → string; iconv-lite in Node (native/sscard/node/gbk.ts). Pure code cannot decode GBK itself. */
export interface GbkDecoder {
  decode(bytes: Uint8Array): string;
}
