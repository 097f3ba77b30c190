// Runs anywhere (pure). The ID card reader's public shapes: what a read yields, what can go
// wrong, and the device service the session flow talks to. The helper implementing the
// driver fills in everything behind these; the flow and the UI depend on these alone.
import type { Result, CodedError } from '../../common/result';
import type { CancelSignal } from '../../common/cancel';

export type CardType = 'resident' | 'hkmt' | 'foreign2017' | 'foreign2023';
export type Gender = 'unknown' | 'male' | 'female' | 'unstated';
/** YYYY-MM-DD, or 'long-term' for a card valid without end ("长期"). */
export type CardDate = string;

export interface IdCardText {
  readonly cardType: CardType;
  /** Chinese name where the card has one; otherwise the English name. */
  readonly name: string;
  readonly englishName?: string;
  readonly gender: Gender;
  readonly genderCode: string;
  /** GB 3304 code and name (resident and 'J' cards). */
  readonly nationCode?: string;
  readonly nation?: string;
  /** GB/T 2659 alpha-3 (foreign cards). */
  readonly nationality?: string;
  readonly birthDate: CardDate;
  readonly address?: string;
  /** The citizen ID number, or the permanent-residence card number on 'I'/'Y' cards. */
  readonly idNumber: string;
  readonly idNumberValid: boolean;
  readonly issuingAuthority?: string;
  readonly validFrom: CardDate;
  readonly validUntil: CardDate;
  /** 'J' cards. */
  readonly passNumber?: string;
  readonly issueCount?: string;
  /** 'I' cards. */
  readonly cardVersion?: string;
  readonly authorityCode?: string;
  /** 'Y' cards. */
  readonly renewalCount?: string;
  readonly previousCardNumberLink?: string;
}

export interface IdCardRead {
  readonly text: IdCardText;
  /** The 1024-byte WLT-compressed photo as read; decode through a PhotoDecoder. */
  readonly photo: Uint8Array;
  /** Fingerprint templates are proprietary: only their size is kept. */
  readonly fingerprintBytes: number;
  /** Up to four appended addresses (`30 03`), empty when the card has none. */
  readonly appendedAddresses: readonly string[];
}

/** Codes that never appear on the wire are host-side; SAM_STATUS_xx carry the reader's SW3. */
export type IdCardErrorCode =
  | 'ID_FRAME_CHECKSUM'
  | 'ID_FRAME_LENGTH'
  | 'ID_FRAME_GARBAGE'
  | 'ID_FRAME_TRUNCATED'
  | 'ID_READER_TIMEOUT'
  | 'ID_READER_UNPLUGGED'
  | 'ID_READER_PORT_OPEN_FAILED'
  | 'ID_READER_BUSY'
  | 'ID_CARD_REMOVED'
  | 'ID_CARD_TEXT_MALFORMED'
  | 'ID_CARD_UNSUPPORTED_LAYOUT'
  /** The caller's signal aborted the poll (readCard / waitForRemoval). */
  | 'ID_READ_ABORTED'
  /** The service or transport was closed by the host. */
  | 'ID_READER_CLOSED'
  | `SAM_STATUS_${string}`;

export interface IdCardError extends CodedError<IdCardErrorCode> {
  /** The SW3 byte as two hex digits, for SAM_STATUS_ codes. */
  readonly sw3?: string;
}

export type ReaderState = 'connecting' | 'ready' | 'unplugged' | 'fault';

export interface ReaderStatus {
  readonly state: ReaderState;
  /** Display form of the SAM ID (not PII: identifies the reader module). */
  readonly samId?: string;
  readonly lastError?: IdCardError;
}

export type PhotoDecodeResult =
  | { readonly kind: 'decoded'; readonly width: number; readonly height: number; readonly bgr: Uint8Array }
  | { readonly kind: 'not_decodable'; readonly reason: 'no_decoder' | 'decoder_failed' };

/** A WLT decoder: a vendor library where one is installed, a plain image in simulated mode. */
export interface PhotoDecoder {
  readonly name: string;
  decode(wlt: Uint8Array): Promise<PhotoDecodeResult>;
}

/** The device service: what the session flow asks of an ID card reader. */
export interface IdCardReaderService {
  status(): ReaderStatus;
  onStatus(listener: (status: ReaderStatus) => void): () => void;
  /**
   * Polls until a card is placed, then selects and reads it (text + photo, fingerprint size,
   * appended address). Resolves with the read or a coded error; aborting stops the poll.
   */
  readCard(options: {
    readonly signal: CancelSignal;
    readonly withFingerprint?: boolean;
    /** Called once when a card has been found and selected, before the (about 1 s) read. */
    readonly onCardPresent?: () => void;
  }): Promise<Result<IdCardRead, IdCardError>>;
  /** Resolves when the card has left the field (two consecutive "no card" answers). */
  waitForRemoval(options: { readonly signal: CancelSignal }): Promise<Result<void, IdCardError>>;
  close(): Promise<void>;
}
