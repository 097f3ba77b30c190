// Runs in Node. GBK text through iconv-lite, behind the pure GbkDecoder interface. GB18030 is a
// superset of GBK, so names with rarer characters written by GB18030-aware issuers still decode.
import iconv from 'iconv-lite';
import type { GbkDecoder } from '../common/types';

export const gbkDecoder: GbkDecoder = {
  decode: (bytes) => iconv.decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), 'gb18030'),
};

export function encodeGbk(text: string): Uint8Array {
  return new Uint8Array(iconv.encode(text, 'gbk'));
}
