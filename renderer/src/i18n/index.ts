// Runs in the renderer. Looks up a message for the session's language; adding a language is
// adding a file beside zh-CN.ts and an entry in the contract's Language enum.
import type { Language } from '@contract/contract';
import { zhCN, type MessageKey } from './zh-CN';

const catalogues: Record<Language, Record<MessageKey, string>> = { 'zh-CN': zhCN };

export function t(language: Language, key: MessageKey, values: Record<string, string | number> = {}): string {
  const text = catalogues[language][key] ?? zhCN[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name: string) => String(values[name] ?? ''));
}

t.catalogue = (language: Language): Readonly<Record<MessageKey, string>> => catalogues[language];

export type { MessageKey };
