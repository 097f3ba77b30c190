import { describe, expect, it } from 'vitest';
import { consentTexts } from '../../../electron/contract/consent-text';
import { Screen, ProblemCode, type SessionView } from '../../../electron/contract/contract';
import { voiceKeyFor, voicePrompts } from '../../../renderer/src/voice/prompts';

const view = (screen: SessionView['screen'], problem: SessionView['problem'] = null): SessionView => ({
  screen, language: 'zh-CN', sessionRef: null, card: null, problem, staffCalled: false, consentTextVersion: 'v', idleResetInMs: null, pin: null, receiptReference: null, notice: null, canRetry: false, face: null,
});

describe('voice prompts', () => {
  const prompts = voicePrompts('zh-CN');

  it('reads the whole consent text aloud, including how to refuse', () => {
    const consent = consentTexts['zh-CN'];
    for (const paragraph of consent.paragraphs) expect(prompts.consent).toContain(paragraph);
    expect(prompts.consent).toContain(consent.refuseLabel);
  });

  it('has a prompt for every screen but the idle one, and for every problem', () => {
    for (const screen of Screen.options) {
      const key = voiceKeyFor(view(screen, screen === 'card_error' ? 'card_unreadable' : null));
      if (screen === 'attract') expect(key).toBeNull();
      else expect(prompts[key!], screen).toBeTruthy();
    }
    for (const problem of ProblemCode.options) expect(prompts[`card_error.${problem}`], problem).toBeTruthy();
  });
});
