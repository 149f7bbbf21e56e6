/// <reference lib="dom" />
// Functions passed to page.evaluate run in the browser: they use its globals.
/**
 * Headless Chromium for the browser tests: Debian's `chromium` package (browser downloads are impossible
 * here; .ci/run installs it), driven by puppeteer-core over CDP. Each page is checked the same way: not
 * blank, no CSP or Trusted Types violation, WCAG 2 A/AA by axe-core, and a screenshot in
 * test-results/browser/ (git-ignored).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import puppeteer, { type Browser, type BrowserContext, type Page } from 'puppeteer-core';

const require = createRequire(__filename);
const AXE_SOURCE = (require('axe-core') as { source: string }).source;
export const SCREENSHOTS = join(process.cwd(), 'test-results/browser');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => existsSync(path));

export async function launchChromium(): Promise<Browser> {
  if (!CHROMIUM) throw new Error('No Chromium found: apt-get install chromium (or set CHROMIUM_PATH)');
  mkdirSync(SCREENSHOTS, { recursive: true });
  // --no-sandbox: CI runs as root, where Chromium's sandbox cannot start.
  return puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}

export interface WatchedPage {
  page: Page;
  /** Console errors (CSP and Trusted Types violations land here) and uncaught exceptions. */
  errors: string[];
}

/** A phone-width page (390 px) in its own browser context (its own cookies: one person). */
export async function openPage(context: BrowserContext): Promise<WatchedPage> {
  const page = await context.newPage();
  await page.setViewport({ width: 390, height: 844 });
  const errors: string[] = [];
  page.on('console', (message) => {
    // A 4xx the page shows on purpose (a field error) is logged as a failed resource: not a page error.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(String(error)));
  return { page, errors };
}

/** The app has rendered a page: its heading is there and is not the shell's "Loading…". */
export async function waitForHeading(page: Page, text: string | RegExp): Promise<void> {
  const pattern = typeof text === 'string' ? text : text.source;
  try {
    await page.waitForFunction((p: string) => new RegExp(p, 'i').test(document.querySelector('main h1')?.textContent ?? ''), { timeout: 15000 }, pattern);
  } catch (error) {
    const shown = await page.evaluate(() => document.querySelector('main')?.textContent?.slice(0, 300)).catch(() => '(no page)');
    throw new Error(`no heading ${pattern} at ${page.url()}; the page shows: ${shown}`, { cause: error });
  }
}

/** Not blank, accessible (axe: WCAG 2 A and AA), screenshot saved. */
export async function checkPage(watched: WatchedPage, name: string): Promise<void> {
  const { page } = watched;
  const text = await page.evaluate(() => document.body.innerText.trim());
  if (text.length < 20) throw new Error(`${name}: the page rendered blank (${JSON.stringify(text)})`);
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (context: Document, options: object) => Promise<{ violations: { id: string; help: string; nodes: { target: string[] }[] }[] }> } }).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  });
  expect({ page: name, violations }).toEqual({ page: name, violations: [] });
  expect({ page: name, errors: watched.errors }).toEqual({ page: name, errors: [] });
}

/**
 * Opens `url`; when the app sends the browser to the issuer, signs in there as `email` (the local issuer
 * lists the demo users as buttons) and follows the redirects back until the app renders a page.
 */
export async function signInAndOpen(watched: WatchedPage, url: string, email: string, issuer: string): Promise<void> {
  const { page } = watched;
  await page.goto(url);
  const until = Date.now() + 20000;
  // The sign-in page last answered, and when: a new sign-in page (another interaction), or the same one
  // still showing a few seconds later on a busy machine, is answered again.
  let answered = { url: '', at: 0 };
  while (Date.now() < until) {
    const at = page.url();
    if (at.startsWith(issuer)) {
      if (at !== answered.url || Date.now() - answered.at > 4000) {
        const button = await page.$(`button[value="${email}"]`).catch(() => null);
        if (button) {
          answered = { url: at, at: Date.now() };
          await Promise.all([page.waitForNavigation({ timeout: 10000 }).catch(() => undefined), button.click().catch(() => undefined)]);
          continue;
        }
      }
    } else {
      // Where the page is now, read in the page: it may have moved on to the issuer since page.url().
      const rendered = await page.evaluate((issuerUrl: string) => !location.href.startsWith(issuerUrl) && document.querySelector('main h1') !== null, issuer).catch(() => false);
      if (rendered) return;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`signing in as ${email} at ${url} did not finish; at ${page.url()}`);
}
