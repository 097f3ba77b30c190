// Runs anywhere (pure). The consent text shown on screen and read aloud. Its version and a hash
// of the exact text go into the ledger with every consent given or refused, so what a person
// agreed to can be proven later. Never edit a published version: add a new one.
import type { Language } from './contract';

export interface ConsentText {
  readonly version: string;
  readonly title: string;
  readonly paragraphs: readonly string[];
  readonly acceptLabel: string;
  readonly refuseLabel: string;
}

export const consentTexts: Record<Language, ConsentText> = {
  'zh-CN': {
    version: 'zh-CN-2026-11-v1',
    title: '使用前请您确认',
    paragraphs: [
      '本机将读取您的身份证信息，用于办理社保卡业务，并可能通过人脸比对确认是您本人。',
      '人脸信息只在本机内处理，不保存照片；记录只保存办理结果。',
      '如果您不同意，可以请工作人员用身份证为您人工核验，业务照常办理，不影响领取养老金。',
    ],
    acceptLabel: '我同意',
    refuseLabel: '不同意，请工作人员帮我',
  },
};
