/// <reference lib="dom" />
// Functions passed to page.evaluate run in the browser: they use its globals.
/**
 * The web app in a real browser (headless Chromium), against the local stack and its OIDC issuer: alice
 * asks for access and sees it pending; bob decides from "To decide"; alice's page turns ACTIVE by itself.
 * Also: a field error shown next to its field, the emailed "view" link, the auditors' filter and CSV
 * export. Every page: not blank, no CSP/Trusted Types violation, axe WCAG 2 AA, at 390 px, screenshot.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext } from 'puppeteer-core';
import { startLocalStack, type LocalStack } from '../../local/stack.js';
import { checkPage, launchChromium, openPage, SCREENSHOTS, signInAndOpen, waitForHeading, type WatchedPage } from './browser.js';
import { NO_GRANT_WAITS } from '../support/emulator-seed.js';

jest.setTimeout(60_000);

let stack: LocalStack;
let browser: Browser;
const contexts: Record<string, BrowserContext> = {};
let alice: WatchedPage;
let requestId = '';

beforeAll(async () => {
  [stack, browser] = await Promise.all([
    startLocalStack({
      policy: {
        default: { approvers: ['bob@example.com', 'carol@example.com'], approvalsRequired: 1 },
        auditors: ['carol@example.com'],
      },
      emulator: { propagationDelayMs: 0, ec2PropagationDelayMs: 0 },
      ...NO_GRANT_WAITS,
      grant: { firstCheckSeconds: 0, pollIntervalMs: 10, pollWindowMs: 100, verifyTimeoutSeconds: 5 },
    }),
    launchChromium(),
  ]);
  for (const user of ['alice', 'bob', 'carol']) contexts[user] = await browser.createBrowserContext();
  process.stdout.write(`browser tests: ${await browser.version()}\n`);
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe('the web app', () => {
  it('home, signed out: a sign-in button, and the strict CSP on app pages', async () => {
    const watched = await openPage(contexts.alice as BrowserContext);
    const response = await watched.page.goto(`${stack.url}/`);
    const csp = response?.headers()['content-security-policy'] ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain(`connect-src 'self' ${stack.issuer}`);
    expect(csp).toContain("require-trusted-types-for 'script'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('sandbox');
    await waitForHeading(watched.page, 'Access to caches');
    await checkPage(watched, '01-home-signed-out');
    await watched.page.close();
  });

  it('alice asks for access to orders-cache and sees it pending, signed in with code + PKCE, tokens in memory only', async () => {
    alice = await openPage(contexts.alice as BrowserContext);
    await signInAndOpen(alice, `${stack.url}/app/ask`, 'alice@example.com', stack.issuer);
    await waitForHeading(alice.page, 'Ask for access');
    expect(alice.page.url()).toBe(`${stack.url}/app/ask`);
    await alice.page.waitForSelector('input[name=target][value="orders-cache"]');
    // The approvers are shown on purpose.
    expect(await alice.page.evaluate(() => document.querySelector('fieldset')?.textContent)).toContain('bob@example.com');
    await checkPage(alice, '02-ask');

    await alice.page.click('input[name=target][value="orders-cache"]');
    await alice.page.type('#f-sourceSecurityGroupId', 'sg-0a99000000000001');
    await alice.page.type('#f-reason', 'new orders worker');
    await alice.page.click('button[type=submit]');
    await alice.page.waitForFunction(() => /^\/app\/requests\/[0-9a-f-]{36}$/.test(location.pathname));
    requestId = alice.page.url().split('/').pop() as string;
    await waitForHeading(alice.page, 'orders-cache: pending approval');
    expect(await alice.page.evaluate(() => document.querySelector('.timeline')?.textContent)).toContain('submitted');

    // No token in a URL, nothing in web storage (the sign-in state is removed at the callback).
    const storage = await alice.page.evaluate(() => ({ local: localStorage.length, session: sessionStorage.length, url: location.href }));
    expect(storage).toEqual({ local: 0, session: 0, url: `${stack.url}/app/requests/${requestId}` });
    await checkPage(alice, '03-request-pending');
  });

  it('shows the API\'s field error next to its field', async () => {
    const watched = await openPage(contexts.alice as BrowserContext);
    // A new tab is a new page load: the app signs in again with a top-level redirect (the issuer's session
    // remembers alice, so no sign-in page this time).
    await signInAndOpen(watched, `${stack.url}/app/ask`, 'alice@example.com', stack.issuer);
    await waitForHeading(watched.page, 'Ask for access');
    await watched.page.waitForSelector('#f-sourceSecurityGroupId');
    await watched.page.type('#f-sourceSecurityGroupId', 'sg-nothex');
    await watched.page.type('#f-reason', 'try a typo');
    await watched.page.click('button[type=submit]');
    await watched.page.waitForSelector('#f-sourceSecurityGroupId-error:not([hidden])');
    const error = await watched.page.evaluate(() => ({
      text: document.querySelector('#f-sourceSecurityGroupId-error')?.textContent,
      invalid: document.querySelector('#f-sourceSecurityGroupId')?.getAttribute('aria-invalid'),
      focused: document.activeElement?.id,
    }));
    expect(error).toEqual({ text: expect.stringContaining('sourceSecurityGroupId must be a security group id') as unknown, invalid: 'true', focused: 'f-sourceSecurityGroupId' });
    await checkPage(watched, '04-ask-field-error');

    // Signing out ends the issuer's session too, with no token in any URL on the way.
    const urls: string[] = [];
    watched.page.on('request', (request) => void urls.push(request.url()));
    await watched.page.click('nav button');
    await watched.page.waitForFunction((issuer: string) => location.href.startsWith(`${issuer}/session/end`), { timeout: 10000 }, stack.issuer);
    expect(urls.filter((url) => /token|eyJ/.test(new URL(url).search))).toEqual([]);
    await watched.page.close();
  });

  it('the emailed review page (its own stricter CSP, no script) has the same look and passes the same checks', async () => {
    const email = await stack.outbox.waitFor((m) => m.channel === 'email' && m.to.includes('carol@example.com') && m.links.some((l) => l.includes('/approvals/')));
    const link = email.links.find((l) => l.includes('/approvals/')) as string;
    const watched = await openPage(contexts.carol as BrowserContext);
    // The page's CSP sandboxes it without scripts, where axe cannot run: checked as a header, then bypassed.
    await watched.page.setBypassCSP(true);
    const response = await watched.page.goto(link);
    expect(response?.headers()['content-security-policy']).toMatch(/default-src 'none'.*sandbox allow-forms/);
    await waitForHeading(watched.page, 'Approve cache access?');
    const shown = await watched.page.evaluate(() => ({ brand: document.querySelector('header')?.textContent, text: document.querySelector('main')?.textContent ?? '' }));
    expect(shown.brand).toBe('cachegate');
    expect(shown.text).toContain('Access lasts1 hour from the grant');
    expect(shown.text).toMatch(/Decide by\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC \(in 2[34] h \d+ min\)/);
    await checkPage(watched, '05-review-page');
    await watched.page.close();
  });

  it('bob decides from "To decide"; alice\'s open page turns ACTIVE by itself', async () => {
    const bob = await openPage(contexts.bob as BrowserContext);
    await signInAndOpen(bob, `${stack.url}/app/decide`, 'bob@example.com', stack.issuer);
    await waitForHeading(bob.page, 'To decide');
    await bob.page.waitForSelector(`a[href="/app/requests/${requestId}"]`);
    await checkPage(bob, '06-to-decide');
    // With the keyboard alone: type the comment, Tab to Approve (its focus ring visible), Enter.
    await bob.page.focus(`#comment-${requestId}`);
    await bob.page.keyboard.type('ok for the worker');
    await bob.page.keyboard.press('Tab');
    const focused = await bob.page.evaluate(() => ({ text: document.activeElement?.textContent, outline: getComputedStyle(document.activeElement as Element).outlineStyle }));
    expect(focused).toEqual({ text: 'Approve', outline: 'solid' });
    await bob.page.keyboard.press('Enter');
    await bob.page.waitForSelector('p.success');
    expect(await bob.page.evaluate(() => document.querySelector('p.success')?.textContent)).toBe('Request approved.');

    // Alice's tab comes to the front (a background tab's timers are throttled, as for a person).
    await alice.page.bringToFront();
    await waitForHeading(alice.page, 'orders-cache: active');
    const page = await alice.page.evaluate(() => document.querySelector('main')?.textContent ?? '');
    expect(page).toContain('approved by bob@example.com: ok for the worker');
    expect(page).toMatch(/Access ends.*\(\d+ h \d+ min left\)|Access ends.*\(\d+ min left\)/);
    await checkPage(alice, '07-request-active');
  });

  it('the emailed "View your request" link opens the request\'s page', async () => {
    const email = await stack.outbox.waitFor((m) => m.channel === 'email' && m.to.includes('alice@example.com') && m.links.some((l) => l.endsWith(`/app/requests/${requestId}`)));
    const link = email.links.find((l) => l.endsWith(`/app/requests/${requestId}`)) as string;
    const watched = await openPage(contexts.alice as BrowserContext);
    await signInAndOpen(watched, link, 'alice@example.com', stack.issuer);
    await waitForHeading(watched.page, 'orders-cache');
    expect(watched.page.url()).toBe(link);
    await watched.page.close();
  });

  it('carol (an auditor) filters every request and exports what is shown as CSV', async () => {
    const carol = await openPage(contexts.carol as BrowserContext);
    await signInAndOpen(carol, `${stack.url}/app/audit`, 'carol@example.com', stack.issuer);
    await waitForHeading(carol.page, 'Audit');
    await carol.page.waitForSelector('tbody tr');
    await carol.page.type('#a-requester', 'alice@example.com');
    await carol.page.select('#a-status', 'ACTIVE');
    await carol.page.click('form.filters button[type=submit]');
    await carol.page.waitForFunction(() => location.search.includes('status=ACTIVE') && document.querySelectorAll('tbody tr').length === 1);
    expect(await carol.page.evaluate(() => document.querySelector('tbody tr')?.textContent)).toContain('alice@example.com');
    await checkPage(carol, '08-audit-filtered');

    await carol.page.select('#a-status', 'DENIED');
    await carol.page.click('form.filters button[type=submit]');
    await carol.page.waitForFunction(() => document.querySelector('[role=status]')?.textContent === 'No request matches these filters.');

    // The date range is the reader's own days: today holds the request, up to yesterday nothing.
    await carol.page.select('#a-status', 'ACTIVE');
    await carol.page.evaluate(() => {
      const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toLocaleDateString('sv');
      (document.querySelector('#a-to') as HTMLInputElement).value = day(-1);
    });
    await carol.page.click('form.filters button[type=submit]');
    await carol.page.waitForFunction(() => location.search.includes('to=') && document.querySelector('[role=status]')?.textContent === 'No request matches these filters.');
    await carol.page.evaluate(() => {
      (document.querySelector('#a-from') as HTMLInputElement).value = new Date().toLocaleDateString('sv');
      (document.querySelector('#a-to') as HTMLInputElement).value = new Date().toLocaleDateString('sv');
    });
    await carol.page.click('form.filters button[type=submit]');
    await carol.page.waitForFunction(() => location.search.includes('from=') && document.querySelectorAll('tbody tr').length === 1);
    const downloads = join(SCREENSHOTS, 'downloads');
    rmSync(downloads, { recursive: true, force: true });
    const cdp = await carol.page.createCDPSession();
    await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: downloads, browserContextId: (contexts.carol as BrowserContext).id, eventsEnabled: true });
    await carol.page.click('::-p-text(Export CSV)');
    await carol.page.waitForFunction(() => /^Exported 1 requests/.test(document.querySelector('[role=status]')?.textContent ?? ''));
    const file = join(downloads, 'cachegate-requests.csv');
    for (let i = 0; i < 100 && !(existsSync(file) && readdirSync(downloads).every((f) => !f.endsWith('.crdownload'))); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    const lines = readFileSync(file, 'utf8').trim().split('\r\n');
    expect(lines[0]).toBe('"id","createdAt","requester","target","access","status","decidedBy","reason","updatedAt"');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(`"${requestId}"`);
    expect(lines[1]).toContain('"ACTIVE","bob@example.com","new orders worker"');
  });

  it('alice ends her access now: the page follows it to ENDED and stops polling', async () => {
    await alice.page.bringToFront();
    await alice.page.click('::-p-text(End access now)');
    await waitForHeading(alice.page, 'orders-cache: ended');
    expect(await alice.page.evaluate(() => document.querySelector('main')?.textContent ?? '')).toContain('Access ended');
    await checkPage(alice, '09-request-ended');
  });
});
