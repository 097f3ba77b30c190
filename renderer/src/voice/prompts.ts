// Runs in the renderer, and in the build (scripts/make-voice.ts renders these texts to audio).
// What is said aloud on each screen: the same words the screen shows, so the spoken and the
// written consent can never drift apart.
import type { Language, SessionView } from '@contract/contract';
import { consentTexts } from '@contract/consent-text';
import { t, type MessageKey } from '../i18n';

export const voicedLanguages: readonly Language[] = ['zh-CN'];

/** One prompt per screen (and per problem on the error screen). */
export function voicePrompts(language: Language): Record<string, string> {
  const say = (...keys: MessageKey[]) => keys.map((key) => t(language, key)).join('。');
  const consent = consentTexts[language];
  const prompts: Record<string, string> = {
    attract: say('attractTitle', 'attractAction'),
    language: say('languageTitle'),
    consent: [consent.title, ...consent.paragraphs, `同意请按“${consent.acceptLabel}”`, `不同意请按“${consent.refuseLabel}”`].join('。'),
    insert_card: say('insertTitle', 'insertHint'),
    reading_card: say('readingTitle'),
    card_result: say('resultTitle', 'resultConfirm'),
    alternative: say('alternativeTitle', 'alternativeBody'),
    remove_card: say('removeTitle'),
    done: say('doneTitle', 'doneHint'),
    'face_check.positioning': say('faceTitle'),
    'face_check.challenge.turn_left': say('faceChallenge.turn_left'),
    'face_check.challenge.turn_right': say('faceChallenge.turn_right'),
    'face_check.challenge.blink': say('faceChallenge.blink'),
    'face_check.challenge.nod': say('faceChallenge.nod'),
    'face_check.matching': say('faceMatching'),
    insert_ss_card: say('insertSsTitle', 'insertSsHint'),
    reading_ss_card: say('readingSsTitle'),
    'pin_entry.current': say('pinTitle.current', 'pinHint'),
    'pin_entry.current.pin_wrong': say('problem.pin_wrong', 'pinTitle.current'),
    'pin_entry.new': say('pinTitle.new', 'pinHint'),
    'pin_entry.new.pin_confirm_mismatch': say('problem.pin_confirm_mismatch', 'pinTitle.new'),
    'pin_entry.confirm': say('pinTitle.confirm'),
    activating: say('activatingTitle'),
    printing: say('printingTitle'),
    take_ss_card: say('takeSsTitle'),
    'take_ss_card.receipt_not_printed': say('takeSsTitle', 'notice.receipt_not_printed'),
  };
  for (const key of Object.keys(t.catalogue(language)) as MessageKey[]) {
    if (key.startsWith('problem.')) prompts[`card_error.${key.slice('problem.'.length)}`] = say('errorTitle', key);
  }
  return prompts;
}

/** The prompt for what the screen shows now, or null for screens that stay silent. */
export function voiceKeyFor(view: SessionView): string | null {
  // The attract screen is the idle screen: repeating itself all day would wear on the branch.
  if (view.screen === 'attract') return null;
  if (view.screen === 'card_error') return view.problem ? `card_error.${view.problem}` : null;
  if (view.screen === 'pin_entry') {
    const purpose = view.pin?.purpose ?? 'current';
    return view.problem ? `pin_entry.${purpose}.${view.problem}` : `pin_entry.${purpose}`;
  }
  if (view.screen === 'take_ss_card' && view.notice) return `take_ss_card.${view.notice}`;
  if (view.screen === 'face_check') {
    const face = view.face;
    if (!face || face.phase === 'positioning') return 'face_check.positioning';
    if (face.phase === 'matching') return 'face_check.matching';
    return face.challenge ? `face_check.challenge.${face.challenge}` : 'face_check.positioning';
  }
  return view.screen;
}

export function voiceUrl(language: Language, key: string): string {
  return `./voice/${language}/${key}.wav`;
}
