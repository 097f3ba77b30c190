// Build step: renders every screen's prompt to audio under dist/renderer/voice/<language>/.
// A recording in resources/voice/<language>/<key>.wav (a local dialect, a real speaker) always
// wins; otherwise espeak-ng synthesises the text, slowly, for older listeners. Synthesised files
// are cached by a hash of their text, so a changed sentence is always re-rendered.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { voicePrompts, voicedLanguages } from '../renderer/src/voice/prompts';

const ESPEAK_VOICE: Record<string, string> = { 'zh-CN': 'cmn' };
const WORDS_PER_MINUTE = '130';

const root = process.cwd();
const cacheDir = path.join(root, 'node_modules', '.cache', 'kiosk-voice');
const espeak = spawnSync('espeak-ng', ['--version'], { stdio: 'ignore' }).status === 0;
let recorded = 0;
let synthesised = 0;
let missing = 0;

for (const language of voicedLanguages) {
  const outDir = path.join(root, 'dist', 'renderer', 'voice', language);
  mkdirSync(outDir, { recursive: true });
  for (const [key, text] of Object.entries(voicePrompts(language))) {
    const target = path.join(outDir, `${key}.wav`);
    const recording = path.join(root, 'resources', 'voice', language, `${key}.wav`);
    if (existsSync(recording)) {
      copyFileSync(recording, target);
      recorded++;
      continue;
    }
    if (!espeak) {
      missing++;
      continue;
    }
    const voice = ESPEAK_VOICE[language] ?? language;
    const cached = path.join(cacheDir, `${createHash('sha256').update(`${voice}|${WORDS_PER_MINUTE}|${text}`).digest('hex').slice(0, 24)}.wav`);
    if (!existsSync(cached)) {
      mkdirSync(cacheDir, { recursive: true });
      const result = spawnSync('espeak-ng', ['-v', voice, '-s', WORDS_PER_MINUTE, '-w', cached, text], { stdio: ['ignore', 'ignore', 'pipe'] });
      if (result.status !== 0) {
        console.error(`voice: espeak-ng failed for ${language}/${key}: ${String(result.stderr).trim()}`);
        process.exit(1);
      }
    }
    copyFileSync(cached, target);
    synthesised++;
  }
}
if (missing) console.log(`voice: espeak-ng is not installed; ${missing} prompts have no audio and those screens stay silent`);
else console.log(`voice: ${recorded} recorded and ${synthesised} synthesised prompts`);
