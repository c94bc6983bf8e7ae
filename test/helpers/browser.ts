import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { REPO } from './tmp.js';

/** Debian's Chromium (`apt-get install chromium`); never a downloaded browser build. */
export const CHROMIUM = process.env.LOUPE_CHROMIUM ?? '/usr/bin/chromium';
export const ARTIFACTS = path.join(REPO, 'test-artifacts');

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'];

export async function launchBrowser(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's package (apt-get install -y chromium) or set LOUPE_CHROMIUM`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}

export interface BrowserSession {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Console errors and failed requests seen so far, for assertions and debugging. */
  problems: string[];
  close(): Promise<void>;
}

/** A fresh page at `baseURL`, collecting console errors and uncaught exceptions. */
export async function openPage(baseURL: string, viewport = { width: 1360, height: 900 }): Promise<BrowserSession> {
  const browser = await launchBrowser();
  const context = await browser.newContext({ baseURL, viewport, deviceScaleFactor: 1, reducedMotion: 'reduce' });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  return {
    browser,
    context,
    page,
    problems,
    async close() {
      await context.close().catch(() => {});
      await browser.close().catch(() => {});
    },
  };
}

/** Removes earlier runs' screenshots named `prefix*.png`, so the folder shows only this run. */
export function clearScreenshots(prefix: string): void {
  if (!fs.existsSync(ARTIFACTS)) return;
  for (const f of fs.readdirSync(ARTIFACTS)) if (f.startsWith(prefix) && f.endsWith('.png')) fs.rmSync(path.join(ARTIFACTS, f));
}

/** Saves a PNG under test-artifacts/ and returns its path. */
export async function screenshot(page: Page, name: string, opts: { fullPage?: boolean } = {}): Promise<string> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: opts.fullPage ?? false });
  return file;
}
