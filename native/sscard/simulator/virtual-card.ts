// Runs in Node. A scriptable social security card: the application, EF05/EF06 records read by
// tag or record number, a PIN with a try counter, and the ISO 7816 behaviour that differs between
// T=0 and T=1 (61xx for case-4 replies, 6Cxx for a wrong Le). Answers what a card would answer
// per hardware-protocols.md §4; it has no idea of the reader around it.
//
// The PIN arrives as the PIN pad's enciphered format-0 blocks (see sscard-client.ts): the card
// opens them with `openPinBlock`, which knows the simulated pad's TEST working key. Real cards
// get the PIN through the PSAM/host; that path is out of this simulator's reach.
import { decodeApdu } from '../common/apdu';
import { FIELDS, type FieldName } from '../common/card-fields';
import { SOCIAL_SECURITY_AID } from '../common/sscard-client';
import type { CardGeneration } from '../common/types';

export interface VirtualCardProfile {
  readonly key: string;
  readonly generation: CardGeneration;
  readonly protocol: 0 | 1;
  /** Raw field values (already encoded: ASCII, GBK, BCD). */
  readonly fields: Readonly<Partial<Record<FieldName, Uint8Array>>>;
  /** Fields present but never personalised: FF-filled. */
  readonly unwrittenFields?: readonly FieldName[];
  /** Files that do not exist on this card (6A82). */
  readonly missingFiles?: readonly ('EF05' | 'EF06')[];
  /** EF06 answers 6982 until a VERIFY succeeds (some regions, §4.2, unconfirmed). */
  readonly ef06NeedsPin?: boolean;
  /** Simulator-side clear PIN: the card's secret, never seen by the kiosk. */
  readonly pin: string;
  readonly pinTriesMax?: number;
  readonly pinTriesLeft?: number;
  /** Answer reads with 61xx and hand data out in GET RESPONSE chunks of this size (chaining). */
  readonly chainChunk?: number;
  /** No social-security application (a plain bank card). */
  readonly notSocialSecurity?: boolean;
}

export type PinBlockOpener = (block: Uint8Array, algorithm: 'tdes' | 'sm4', accountNumber: string) => string | undefined;

const hex = (...bytes: number[]) => Uint8Array.from(bytes);
const SW = (sw: number, data: Uint8Array = new Uint8Array(0)) => {
  const out = new Uint8Array(data.length + 2);
  out.set(data, 0);
  out[data.length] = sw >> 8;
  out[data.length + 1] = sw & 0xff;
  return out;
};

export const ATR_T0 = hex(0x3b, 0x6c, 0x00, 0x00, ...Array.from('SSCARD-SIM-0', (c) => c.charCodeAt(0)));
export const ATR_T1 = withTck(hex(0x3b, 0xe9, 0x00, 0x00, 0x81, 0x31, 0xfe, 0x45, ...Array.from('SSCARD-T1', (c) => c.charCodeAt(0))));

function withTck(body: Uint8Array): Uint8Array {
  let x = 0;
  for (let i = 1; i < body.length; i++) x ^= body[i]!;
  return Uint8Array.from([...body, x]);
}

export class VirtualCard {
  readonly profile: VirtualCardProfile;
  private selected = false;
  private verified = false;
  private pending: Uint8Array | undefined;
  private pin: string;
  private triesLeft: number;
  /** INS bytes of APDUs received, in order (tests assert the wire dialogue). */
  readonly commands: string[] = [];
  pinChanges = 0;

  constructor(
    profile: VirtualCardProfile,
    private readonly openPinBlock: PinBlockOpener,
  ) {
    this.profile = profile;
    this.pin = profile.pin;
    this.triesLeft = profile.pinTriesLeft ?? profile.pinTriesMax ?? 3;
  }

  get atr(): Uint8Array {
    return this.profile.protocol === 1 ? ATR_T1 : ATR_T0;
  }

  get pinTriesLeft(): number {
    return this.triesLeft;
  }

  /** Simulator-only: lets tests check that the PIN really changed, without the kiosk seeing it. */
  pinEquals(candidate: string): boolean {
    return this.pin === candidate;
  }

  /** A reset loses the selection and the verified state, like a real card's RAM. */
  reset(): void {
    this.selected = false;
    this.verified = false;
    this.pending = undefined;
  }

  process(apduBytes: Uint8Array): Uint8Array {
    const apdu = decodeApdu(apduBytes);
    if (!apdu) return SW(0x6700);
    this.commands.push(apdu.ins.toString(16).padStart(2, '0'));
    if (apdu.cla !== 0x00 && apdu.cla !== 0x80) return SW(0x6e00);
    if (apdu.ins === 0xc0) return this.getResponse(apdu.le ?? 256);
    this.pending = undefined;
    switch (apdu.ins) {
      case 0xa4:
        return this.select(apdu.p1, apdu.data);
      case 0xb2:
        return this.readRecord(apdu.p1, apdu.p2, apdu.le);
      case 0x20:
        return this.verify(apdu.data);
      case 0x5e:
        return apdu.cla === 0x80 ? this.changePin(apdu.p1, apdu.data) : SW(0x6e00);
      default:
        return SW(0x6d00);
    }
  }

  private reply(data: Uint8Array, le: number | undefined): Uint8Array {
    const chunk = this.profile.chainChunk;
    if (chunk !== undefined || (this.profile.protocol === 0 && le === undefined)) {
      // T=0 case 4 (and chaining cards): "61xx — ask for it".
      this.pending = data;
      return SW(0x6100 | Math.min(data.length, chunk ?? 256, 255));
    }
    if (le !== undefined && le !== 256 && le !== data.length) {
      if (this.profile.protocol === 0 || le < data.length) return SW(0x6c00 | data.length);
    }
    if (le === 256 && this.profile.protocol === 0 && data.length !== 256) return SW(0x6c00 | data.length);
    return SW(0x9000, data);
  }

  private getResponse(le: number): Uint8Array {
    const pending = this.pending;
    if (!pending) return SW(0x6985);
    const available = Math.min(pending.length, this.profile.chainChunk ?? 256);
    if (le > available && !(le === 256 && available === 256)) return SW(0x6c00 | available);
    const out = pending.slice(0, le);
    const rest = pending.slice(le);
    this.pending = rest.length > 0 ? rest : undefined;
    if (rest.length > 0) return SW(0x6100 | Math.min(rest.length, this.profile.chainChunk ?? 255, 255), out);
    return SW(0x9000, out);
  }

  private select(p1: number, data: Uint8Array | undefined): Uint8Array {
    if (p1 === 0x04) {
      if (this.profile.notSocialSecurity || !data || !sameBytes(data, SOCIAL_SECURITY_AID)) return SW(0x6a82);
      this.selected = true;
      this.verified = false;
      const fci = Uint8Array.from([0x6f, SOCIAL_SECURITY_AID.length + 2, 0x84, SOCIAL_SECURITY_AID.length, ...SOCIAL_SECURITY_AID]);
      return this.reply(fci, undefined);
    }
    // SELECT EF by file id (P1 00/02): accepted for EF05/EF06 without data in reply.
    if (data && data.length === 2 && data[0] === 0xef && (data[1] === 0x05 || data[1] === 0x06)) {
      return this.fileExists(data[1] === 0x05 ? 'EF05' : 'EF06') ? SW(0x9000) : SW(0x6a82);
    }
    return SW(0x6a82);
  }

  private fileExists(file: 'EF05' | 'EF06'): boolean {
    return !(this.profile.missingFiles ?? []).includes(file);
  }

  private readRecord(p1: number, p2: number, le: number | undefined): Uint8Array {
    if (!this.selected) return SW(0x6985);
    const sfi = p2 >> 3;
    const mode = p2 & 0x07;
    if (sfi !== 5 && sfi !== 6) return SW(0x6a82);
    const file = sfi === 5 ? 'EF05' : 'EF06';
    if (!this.fileExists(file)) return SW(0x6a82);
    if (file === 'EF06' && this.profile.ef06NeedsPin && !this.verified) return SW(0x6982);
    const specs = FIELDS.filter((f) => f.sfi === sfi);
    let spec;
    if (mode === 0) spec = specs.find((f) => f.tag === p1);
    else if (mode === 4) spec = specs[p1 - 1];
    else return SW(0x6a86);
    if (!spec) return SW(0x6a83);
    const value = (this.profile.unwrittenFields ?? []).includes(spec.name) ? new Uint8Array(spec.length).fill(0xff) : this.profile.fields[spec.name];
    if (!value) return SW(0x6a83);
    return this.reply(Uint8Array.from([spec.tag, value.length, ...value]), le);
  }

  private accountNumber(): string {
    return String.fromCharCode(...(this.profile.fields.socialSecurityNumber ?? new Uint8Array(0)));
  }

  private checkPin(block: Uint8Array, algorithm: 'tdes' | 'sm4'): 'ok' | 'wrong' | 'invalid' {
    const digits = this.openPinBlock(block, algorithm, this.accountNumber());
    if (digits === undefined) return 'invalid';
    return digits === this.pin ? 'ok' : 'wrong';
  }

  private failPin(): Uint8Array {
    this.triesLeft = Math.max(0, this.triesLeft - 1);
    return SW(0x63c0 | this.triesLeft);
  }

  private verify(data: Uint8Array | undefined): Uint8Array {
    if (!this.selected) return SW(0x6985);
    if (this.triesLeft === 0) return SW(0x6983);
    const algorithm = data?.length === 8 ? 'tdes' : data?.length === 16 ? 'sm4' : undefined;
    if (!data || !algorithm) return SW(0x6700);
    const verdict = this.checkPin(data, algorithm);
    if (verdict === 'invalid') return SW(0x6984);
    if (verdict === 'wrong') return this.failPin();
    this.triesLeft = this.profile.pinTriesMax ?? 3;
    this.verified = true;
    return SW(0x9000);
  }

  private changePin(p1: number, data: Uint8Array | undefined): Uint8Array {
    if (p1 !== 0x01) return SW(0x6a86);
    if (!this.selected) return SW(0x6985);
    if (this.triesLeft === 0) return SW(0x6983);
    const size = data?.length === 17 ? 8 : data?.length === 33 ? 16 : undefined;
    if (!data || size === undefined) return SW(0x6700);
    if (data[size] !== 0xff) return SW(0x6984);
    const algorithm = size === 8 ? 'tdes' : 'sm4';
    const verdict = this.checkPin(data.subarray(0, size), algorithm);
    if (verdict === 'invalid') return SW(0x6984);
    if (verdict === 'wrong') return this.failPin();
    const next = this.openPinBlock(data.subarray(size + 1), algorithm, this.accountNumber());
    if (next === undefined) return SW(0x6984);
    this.pin = next;
    this.triesLeft = this.profile.pinTriesMax ?? 3;
    this.pinChanges += 1;
    return SW(0x9000);
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
