// Shared by the end-to-end specs: waiting for a screen, and saving a screenshot of it as a test
// artifact under test-results/screens/.
import { expect, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import path from 'node:path';

export const SCREENS_DIR = path.join('test-results', 'screens');

export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENS_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENS_DIR, `${name}.png`) });
}

export async function screen(page: Page, name: string, timeout?: number): Promise<void> {
  await expect(page.locator('main')).toHaveAttribute('data-screen', name, timeout ? { timeout } : {});
}
