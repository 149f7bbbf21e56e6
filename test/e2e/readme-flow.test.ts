/**
 * The README's flow, as a newcomer does it: `npm start -- --fast` (in-process here, on a free port),
 * take alice's token from /dev/tokens, POST the banner's request, open bob's link from the outbox, press
 * Approve, and watch the request become ACTIVE. Only HTTP, like curl and a browser.
 */
import { startFromCommandLine } from '../../local/cli.js';
import type { LocalStack } from '../../local/stack.js';
import { checkedFetch } from '../support/openapi.js';

// Every answer of an API route below is checked against the OpenAPI document (/openapi.json).
const api = checkedFetch();
const fetch = api.fetch;

let stack: LocalStack | undefined;
let printed = '';

beforeAll(async () => {
  stack = await startFromCommandLine(['--fast', '--port', '0'], {}, (text) => {
    printed += text;
  });
});

afterAll(async () => {
  await stack?.stop();
});

async function json<T>(response: Response): Promise<T> {
  return (await response.json()) as T;
}

/** Alice's bearer token, from /dev/tokens as the README shows. */
async function aliceToken(base: string): Promise<string | undefined> {
  const { users } = await json<{ users: { email: string; token: string }[] }>(await fetch(`${base}/dev/tokens`));
  return users.find((u) => u.email === 'alice@example.com')?.token;
}

async function submitAsAlice(base: string, alice: string | undefined, body: string | undefined): Promise<Response> {
  return fetch(`${base}/requests`, { method: 'POST', headers: { authorization: `Bearer ${alice}`, 'content-type': 'application/json' }, body });
}

/** Polls GET /requests/{id} until the workflow ends it ACTIVE or FAILED (or gives up after 20 s). */
async function finalStatus(base: string, alice: string | undefined, id: string): Promise<string> {
  let status = '';
  for (let i = 0; i < 200 && status !== 'ACTIVE' && status !== 'FAILED'; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    status = (await json<{ status: string }>(await fetch(`${base}/requests/${id}`, { headers: { authorization: `Bearer ${alice}` } }))).status;
  }
  return status;
}

it('submit, approve by link, granted: the README walkthrough works', async () => {
  if (!stack) throw new Error('npm start did not start');
  const base = stack.url;
  expect(printed).toContain(`API            ${base}`);
  const curl = /-d '(\{"replicationGroupId"[^']+\})'/.exec(printed);
  expect(curl).not.toBeNull();

  const alice = await aliceToken(base);
  expect(alice).toBeDefined();

  const submitted = await submitAsAlice(base, alice, curl?.[1]);
  expect(submitted.status).toBe(202);
  const { id } = await json<{ id: string }>(submitted);

  let link: string | undefined;
  for (let i = 0; i < 100 && !link; i++) {
    const { messages } = await json<{ messages: { to: string[]; links: string[] }[] }>(await fetch(`${base}/dev/outbox?to=bob@example.com`));
    link = messages.flatMap((m) => m.links).find((l) => l.includes('/approvals/'));
    if (!link) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(link).toBeDefined();
  const page = await fetch(link as string);
  expect(await page.text()).toContain('Approve cache access?');

  const approved = await fetch(link as string, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'decision=approve' });
  expect(await approved.text()).toContain('Request approved');

  expect(await finalStatus(base, alice, id)).toBe('ACTIVE');
  expect(printed).toContain('Notify granted');

  // The email goes through the notification queue: it follows ACTIVE, moments later.
  let told = false;
  for (let i = 0; i < 100 && !told; i++) {
    const { messages } = await json<{ messages: { subject?: string; text: string }[] }>(await fetch(`${base}/dev/outbox?to=alice@example.com`));
    told = messages.some((m) => /granted|active/i.test(m.subject ?? '') && m.text.includes(id));
    if (!told) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(told).toBe(true);
}, 60_000);

it('approve from the Slack message: the outbox form sends a signed click, the message then shows who decided', async () => {
  if (!stack) throw new Error('npm start did not start');
  const base = stack.url;
  const alice = await aliceToken(base);
  const submitted = await submitAsAlice(base, alice, JSON.stringify({ cacheSecurityGroupName: 'default', ec2SecurityGroupName: 'myec2group', ec2SecurityGroupOwnerId: '987654321021', reason: 'from slack' }));
  const { id } = await json<{ id: string }>(submitted);

  // What a person sees: the outbox page, with the Slack message's Approve button as a form.
  let form: string | undefined;
  for (let i = 0; i < 100 && !form; i++) {
    const page = await (await fetch(`${base}/dev/outbox`, { headers: { accept: 'text/html' } })).text();
    form = [...page.matchAll(/<form method="post" action="\/dev\/slack\/click"[^]*?<\/form>/g)].map((m) => m[0]).find((f) => f.includes(id) && f.includes('value="approve"'));
    if (!form) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(form).toBeDefined();
  const fields = new URLSearchParams([...(form as string).matchAll(/name="([a-z]+)" value="([^"]*)"/g)].map((m): [string, string] => [m[1] as string, m[2] as string]));
  const clicked = await fetch(`${base}/dev/slack/click`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: fields.toString() });
  expect(await clicked.text()).toContain('answered 200');

  expect(await finalStatus(base, alice, id)).toBe('ACTIVE');
  const { messages } = await json<{ messages: { text: string; slack?: { method: string }; buttons?: unknown[] }[] }>(await fetch(`${base}/dev/outbox?channel=slack`));
  const updates = messages.filter((m) => m.slack?.method === 'chat.update' && m.text.includes(id));
  expect(updates.at(-1)?.text).toMatch(/bob@example.com/);
  expect(updates.at(-1)?.buttons ?? []).toHaveLength(0);
}, 60_000);

it('approve from a Slack DM: its link button opens the approver’s own review page', async () => {
  if (!stack) throw new Error('npm start did not start');
  const base = stack.url;
  const alice = await aliceToken(base);
  const submitted = await submitAsAlice(base, alice, JSON.stringify({ cacheClusterId: 'sessions-mc', sourceSecurityGroupId: 'sg-0a99000000000001', reason: 'from a DM' }));
  expect(submitted.status).toBe(202);
  const { id } = await json<{ id: string }>(submitted);

  let link: string | undefined;
  for (let i = 0; i < 100 && !link; i++) {
    const { messages } = await json<{ messages: { buttons?: { action_id?: string; url?: string; value?: string }[] }[] }>(await fetch(`${base}/dev/outbox?channel=slack&to=U0BOB00001`));
    const dm = messages.find((m) => m.buttons?.some((b) => b.value === id));
    link = dm?.buttons?.find((b) => b.action_id === 'open-review-page')?.url;
    if (!link) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(link).toContain('/approvals/');
  expect(await (await fetch(link as string)).text()).toContain('You are deciding as bob@example.com');
  const approved = await fetch(link as string, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'decision=approve' });
  expect(approved.status).toBe(200);

  expect(await finalStatus(base, alice, id)).toBe('ACTIVE');
  // The channel's message shows who decided, without buttons.
  const { messages } = await json<{ messages: { text: string; slack?: { method: string }; buttons?: unknown[] }[] }>(await fetch(`${base}/dev/outbox?channel=slack&to=C0APPROVALS`));
  const updated = messages.filter((m) => m.slack?.method === 'chat.update' && m.text.includes(id)).at(-1);
  expect(updated?.text).toMatch(/bob@example.com/);
  expect(updated?.buttons ?? []).toHaveLength(0);
}, 60_000);

it('the other routes of the web app answer as the README says, including their errors', async () => {
  if (!stack) throw new Error('npm start did not start');
  const base = stack.url;
  const alice = await aliceToken(base);
  const as = (token: string | undefined, body?: unknown) => ({
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) }),
  });
  const description = await fetch(`${base}/openapi.json`);
  expect(description.status).toBe(200);
  expect(((await description.json()) as { openapi: string }).openapi).toBe('3.1.0');
  expect((await fetch(`${base}/targets`, as(alice))).status).toBe(200);
  expect((await fetch(`${base}/requests?mine=true&limit=2`, as(alice))).status).toBe(200);
  expect((await fetch(`${base}/requests?limit=0`, as(alice))).status).toBe(400);
  expect((await fetch(`${base}/audit/requests`, as(alice))).status).toBe(403);
  const submitted = await submitAsAlice(base, alice, JSON.stringify({ cacheClusterId: 'sessions-mc', sourceSecurityGroupId: 'sg-0a99000000000002', reason: 'to cancel' }));
  expect(submitted.status).toBe(202);
  const { id } = await json<{ id: string }>(submitted);
  expect((await fetch(`${base}/requests/${id}/decision`, as(alice, { decision: 'approve' }))).status).toBe(403);
  expect((await fetch(`${base}/requests/${id}/extend`, as(alice, { durationMinutes: 30, reason: 'more' }))).status).toBe(409);
  expect((await fetch(`${base}/requests/${id}/revoke`, as(alice, {}))).status).toBe(409);
  expect((await fetch(`${base}/requests/${id}/cancel`, as(alice, { reason: 'not needed' }))).status).toBe(200);
  expect((await fetch(`${base}/requests/${id}`, { headers: {} })).status).toBe(401);
}, 60_000);

it('every answer above matches the OpenAPI document', () => {
  expect(api.problems).toEqual([]);
  expect(api.checked()).toBeGreaterThan(20);
});
