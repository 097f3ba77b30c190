// Runs anywhere (pure). The social security card application (hardware-protocols.md §4): SELECT
// by AID, READ RECORD by tag from EF05 and EF06, CHANGE PIN with the PIN pad's ciphertext.
// The kiosk never writes card files (§4.2: that needs PSAM-driven external authentication).
//
// CHANGE PIN: §4.4 gives the PBOC form `80 5E 01 00 Lc old ‖ FF ‖ new` with BCD PINs. The kiosk
// never holds clear digits, so what it sends in place of old/new are the PIN pad's format-0
// blocks exactly as the pad returned them. Our card simulator shares the pad's test working key
// and deciphers them. A real deployment routes the blocks through the PSAM or the bank host,
// which translates them into whatever the card accepts (enciphered PIN under the card's key,
// secure messaging); that translation is **unconfirmed** and is not part of this driver.
import { err, ok, type Result } from '../../common/result';
import type { CardGeneration, GbkDecoder, PadPinBlock, PinChange, SocialSecurityCardData, SscardError } from './types';
import type { ApduChannel } from './apdu-channel';
import type { CommandApdu, ResponseApdu } from './apdu';
import { SW_OK, statusWordError } from './status-words';
import {
  decodeAscii,
  decodeBcdDate,
  decodeCode,
  decodeGbkField,
  decodeGender,
  fieldByName,
  generationOf,
  isUnwritten,
  parseTaggedRecord,
  readByTagP2,
  type FieldName,
  type FieldSpec,
} from './card-fields';

/** "sx1.sh." + 社会保障 in GBK (§4.1). */
export const SOCIAL_SECURITY_AID = Uint8Array.of(0x73, 0x78, 0x31, 0x2e, 0x73, 0x68, 0x2e, 0xc9, 0xe7, 0xbb, 0xe1, 0xb1, 0xa3, 0xd5, 0xcf);

export const PIN_BLOCK_BYTES: Readonly<Record<'tdes' | 'sm4', number>> = { tdes: 8, sm4: 16 };

export function selectApplicationApdu(): CommandApdu {
  return { cla: 0x00, ins: 0xa4, p1: 0x04, p2: 0x00, data: SOCIAL_SECURITY_AID };
}

export function readRecordByTagApdu(spec: FieldSpec): CommandApdu {
  return { cla: 0x00, ins: 0xb2, p1: spec.tag, p2: readByTagP2(spec.sfi), le: 2 + spec.length };
}

/** Builds the CHANGE PIN APDU from the pad's blocks; refuses blocks that cannot be pad output. */
export function changePinApdu(change: PinChange): Result<CommandApdu, SscardError> {
  const { current, next } = change;
  const invalid = (detail: string) => err<SscardError>({ code: 'CARD_PIN_BLOCK_INVALID', detail });
  if (current.algorithm !== next.algorithm) return invalid('current and new blocks use different algorithms');
  const size = PIN_BLOCK_BYTES[current.algorithm];
  if (current.pinBlock.length !== size || next.pinBlock.length !== size) return invalid(`a ${current.algorithm} block is ${size} bytes`);
  const data = new Uint8Array(size * 2 + 1);
  data.set(current.pinBlock, 0);
  data[size] = 0xff;
  data.set(next.pinBlock, size + 1);
  return ok({ cla: 0x80, ins: 0x5e, p1: 0x01, p2: 0x00, data });
}

const EF05_FIELDS: readonly FieldName[] = ['cardIdCode', 'specVersion', 'issueDate', 'expiryDate', 'cardNumber'];
const EF06_FIELDS: readonly FieldName[] = ['socialSecurityNumber', 'name', 'nameExtension', 'gender', 'nation', 'birthDate'];
const OPTIONAL_FIELDS: ReadonlySet<FieldName> = new Set(['nameExtension']);

export class SocialSecurityCardClient {
  constructor(
    private readonly channel: ApduChannel,
    private readonly gbk: GbkDecoder,
  ) {}

  async selectApplication(): Promise<Result<Uint8Array, SscardError>> {
    const response = await this.channel.send(selectApplicationApdu());
    if (!response.ok) return response;
    if (response.value.sw === SW_OK) return ok(response.value.data);
    const error = statusWordError(response.value.sw);
    // No social-security application on this card (a bank card, another application).
    if (error.code === 'CARD_FILE_NOT_FOUND' || error.code === 'CARD_FUNCTION_NOT_SUPPORTED') {
      return err({ ...error, code: 'CARD_NOT_SOCIAL_SECURITY', detail: `SELECT answered ${error.sw}` });
    }
    return err(error);
  }

  /** The field's value bytes, or undefined when the card says the record does not exist. */
  async readField(name: FieldName): Promise<Result<Uint8Array | undefined, SscardError>> {
    const spec = fieldByName(name);
    const response = await this.channel.send(readRecordByTagApdu(spec));
    if (!response.ok) return err({ ...response.error, field: spec.file });
    const value = readOutcome(response.value);
    if (value === 'missing') return ok(undefined);
    if (value !== 'data') return err({ ...statusWordError(response.value.sw), field: spec.file });
    return parseTaggedRecord(response.value.data, spec);
  }

  /**
   * Reads EF05 and EF06. A card that guards EF06 (6982) yields CARD_PIN_REQUIRED unless `pin` (a
   * block from the PIN pad, purpose 'current') is given: then it is VERIFYed once and EF06 read.
   */
  async readCard(pin?: PadPinBlock): Promise<Result<SocialSecurityCardData, SscardError>> {
    const values = new Map<FieldName, Uint8Array>();
    let verified = false;
    for (const name of [...EF05_FIELDS, ...EF06_FIELDS]) {
      // The name extension (4E) only continues a name that fills tag 09 to its last byte; a
      // padded name has none, and skipping the read saves a round trip per card.
      if (name === 'nameExtension' && !fillsField(values.get('name'))) continue;
      let value = await this.readField(name);
      if (!value.ok && value.error.code === 'CARD_PIN_REQUIRED' && pin && !verified) {
        const verify = await this.verifyPin(pin);
        if (!verify.ok) return verify;
        verified = true;
        value = await this.readField(name);
      }
      if (!value.ok) return value;
      if (value.value === undefined || isUnwritten(value.value)) {
        if (OPTIONAL_FIELDS.has(name)) continue;
        const spec = fieldByName(name);
        const where = `${spec.file} tag ${spec.tag.toString(16).padStart(2, '0')}`;
        return err(
          value.value === undefined
            ? { code: 'CARD_RECORD_NOT_FOUND', sw: '6A83', field: name, detail: where }
            : { code: 'CARD_FIELD_NOT_WRITTEN', field: name, detail: where },
        );
      }
      values.set(name, value.value);
    }
    return this.decode(values);
  }

  /** VERIFY `00 20 00 00 Lc block` with the pad's block in place of the BCD PIN (see CHANGE PIN above). */
  async verifyPin(pin: PadPinBlock): Promise<Result<void, SscardError>> {
    if (pin.pinBlock.length !== PIN_BLOCK_BYTES[pin.algorithm]) return err({ code: 'CARD_PIN_BLOCK_INVALID', detail: `a ${pin.algorithm} block is ${PIN_BLOCK_BYTES[pin.algorithm]} bytes` });
    const response = await this.channel.send({ cla: 0x00, ins: 0x20, p1: 0x00, p2: 0x00, data: pin.pinBlock });
    if (!response.ok) return response;
    return response.value.sw === SW_OK ? ok(undefined) : err(statusWordError(response.value.sw));
  }

  async changePin(change: PinChange): Promise<Result<void, SscardError>> {
    const apdu = changePinApdu(change);
    if (!apdu.ok) return apdu;
    const response = await this.channel.send(apdu.value);
    if (!response.ok) return response;
    if (response.value.sw === SW_OK) return ok(undefined);
    return err(statusWordError(response.value.sw));
  }

  private decode(values: ReadonlyMap<FieldName, Uint8Array>): Result<SocialSecurityCardData, SscardError> {
    const get = (name: FieldName) => values.get(name)!;
    const malformed = (field: FieldName, detail: string) => err<SscardError>({ code: 'CARD_DATA_MALFORMED', field, detail });
    const specVersion = decodeAscii(get('specVersion'));
    const generation: CardGeneration | undefined = generationOf(specVersion);
    if (generation === undefined) return malformed('specVersion', 'version is not 1.xx, 2.xx or 3.xx');
    const issueDate = decodeBcdDate(get('issueDate'));
    if (!issueDate) return malformed('issueDate', 'not a BCD date');
    const expiryDate = decodeBcdDate(get('expiryDate'));
    if (!expiryDate) return malformed('expiryDate', 'not a BCD date');
    const birthDate = decodeBcdDate(get('birthDate'));
    if (!birthDate) return malformed('birthDate', 'not a BCD date');
    const cardIdCode = decodeAscii(get('cardIdCode'));
    const extension = values.get('nameExtension');
    const name = decodeGbkField(get('name'), this.gbk) + (extension ? decodeGbkField(extension, this.gbk) : '');
    return ok({
      cardNumber: decodeAscii(get('cardNumber')),
      cardIdCode,
      region: cardIdCode.slice(0, 6),
      generation,
      specVersion,
      issueDate,
      expiryDate,
      socialSecurityNumber: decodeAscii(get('socialSecurityNumber')),
      name,
      gender: decodeGender(get('gender')),
      nation: decodeCode(get('nation')),
      birthDate,
    });
  }
}

function fillsField(value: Uint8Array | undefined): boolean {
  if (!value || value.length === 0) return false;
  const last = value[value.length - 1];
  return last !== 0x00 && last !== 0x20 && last !== 0xff;
}

/**
 * 9000 and 6282 (end of record before Le: the data read is good) carry data; 6A83 (record not
 * found) is a missing optional field; everything else is an error.
 */
function readOutcome(response: ResponseApdu): 'data' | 'missing' | 'error' {
  if (response.sw === SW_OK || (response.sw === 0x6282 && response.data.length > 0)) return 'data';
  if (response.sw === 0x6a83) return 'missing';
  return 'error';
}
