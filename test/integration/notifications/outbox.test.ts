/** The outbox over HTTP (what `npm start` users and end-to-end tests read) and its programmatic API. */
import { listen, type RunningServer } from '../../../local/sinks/http.js';
import { extractLinks, Outbox, outboxHandler } from '../../../local/sinks/outbox.js';
import { startSinks, type RunningSinks } from '../../../local/sinks/index.js';

const outbox = new Outbox();
let server: RunningServer;
beforeAll(async () => {
  server = await listen([outboxHandler(outbox)]);
});
afterAll(() => server.close());
beforeEach(() => outbox.clear());

const post = (body: unknown) => fetch(`${server.url}/email`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

it('records posted emails and lists them as JSON, oldest first, with their links', async () => {
  expect((await post({ to: ['a@example.com'], subject: 'first', text: 'see http://x.test/requests/1.', html: '<a href="http://x.test/approvals/1?a=1&amp;b=2">go</a>' })).status).toBe(202);
  expect((await post({ to: 'b@example.com', subject: 'second', text: 'nothing here' })).status).toBe(202);

  const response = await fetch(`${server.url}/dev/outbox`);
  expect(response.headers.get('content-type')).toContain('application/json');
  const { messages } = (await response.json()) as { messages: { subject: string; to: string[]; links: string[]; channel: string; id: string }[] };
  expect(messages.map((m) => [m.channel, m.subject, m.to])).toEqual([
    ['email', 'first', ['a@example.com']],
    ['email', 'second', ['b@example.com']],
  ]);
  expect(messages[0]?.links).toEqual(['http://x.test/requests/1', 'http://x.test/approvals/1?a=1&b=2']);

  const filtered = (await (await fetch(`${server.url}/dev/outbox?to=B@example.com&channel=email`)).json()) as { messages: { subject: string }[] };
  expect(filtered.messages.map((m) => m.subject)).toEqual(['second']);
  const one = (await (await fetch(`${server.url}/dev/outbox/${messages[0]?.id}`)).json()) as { subject: string };
  expect(one.subject).toBe('first');
});

it('rejects malformed emails with 400', async () => {
  expect((await post({ to: [], subject: 's', text: 't' })).status).toBe(400);
  expect((await post({ to: ['a@example.com'], text: 't' })).status).toBe(400);
  expect((await fetch(`${server.url}/email`, { method: 'POST', body: 'not json' })).status).toBe(400);
  expect(outbox.messages()).toEqual([]);
});

it('renders an escaped HTML page, newest first, with clickable http links only', async () => {
  await post({ to: ['a@example.com'], subject: 'older', text: 'http://x.test/one' });
  await post({ to: ['<img src=x onerror=alert(1)>@example.com'], subject: '<script>alert(1)</script>', text: 'javascript:alert(1) http://x.test/two"onmouseover=' });
  const response = await fetch(`${server.url}/dev/outbox`, { headers: { accept: 'text/html,application/xhtml+xml' } });
  expect(response.headers.get('content-type')).toContain('text/html');
  expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
  const page = await response.text();
  expect(page).not.toContain('<script>');
  expect(page).not.toContain('<img');
  expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  expect(page).toContain('<a href="http://x.test/one">');
  expect(page).toContain('<a href="http://x.test/two">');
  expect(page).not.toContain('href="javascript:');
  expect(page.indexOf('alert(1)&lt;/script&gt;')).toBeLessThan(page.indexOf('older'));
});

it('serves an email’s HTML part in a sandbox, and clears on DELETE', async () => {
  await post({ to: ['a@example.com'], subject: 's', text: 't', html: '<p>hello</p>' });
  const [message] = outbox.messages();
  const html = await fetch(`${server.url}/dev/outbox/${message?.id}/html`);
  expect(html.headers.get('content-security-policy')).toMatch(/^sandbox;/);
  expect(await html.text()).toBe('<p>hello</p>');
  expect((await fetch(`${server.url}/dev/outbox`, { method: 'DELETE' })).status).toBe(204);
  expect(outbox.messages()).toEqual([]);
});

it('waitFor resolves with a message recorded later, and times out with what it saw', async () => {
  const waiting = outbox.waitFor((m) => m.subject === 'later', 1000);
  outbox.record({ channel: 'email', to: ['a@example.com'], subject: 'other', text: '' });
  outbox.record({ channel: 'email', to: ['a@example.com'], subject: 'later', text: '' });
  await expect(waiting).resolves.toMatchObject({ subject: 'later', seq: expect.any(Number) });
  await expect(outbox.waitFor((m) => m.subject === 'never', 30)).rejects.toThrow(/No matching outbox message within 30 ms; 2 recorded/);
});

it('extractLinks reads text, Slack mrkdwn and HTML attributes', () => {
  expect(extractLinks('see <http://x.test/a?b=1|the page> and (http://x.test/c).', '<a href=\'http://x.test/d?e=1&amp;f=2\'>d</a> javascript:alert(1)')).toEqual([
    'http://x.test/a?b=1',
    'http://x.test/c',
    'http://x.test/d?e=1&f=2',
  ]);
});

describe('startSinks: outbox and Slack sink on one port', () => {
  let sinks: RunningSinks;
  beforeAll(async () => {
    sinks = await startSinks({ outbox: new Outbox() });
  });
  afterAll(() => sinks.close());

  it('records Slack webhook posts next to emails, with their buttons', async () => {
    await fetch(`${sinks.outboxUrl}/email`, { method: 'POST', body: JSON.stringify({ to: ['a@example.com'], subject: 's', text: 't' }) });
    const blocks = [{ type: 'actions', block_id: 'decision', elements: [{ type: 'button', action_id: 'approve', text: { type: 'plain_text', text: 'Approve' }, url: 'http://x.test/approvals/1' }] }];
    const hook = await fetch(sinks.slackWebhookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'approve?', blocks }) });
    expect(await hook.text()).toBe('ok');
    const { messages } = (await (await fetch(`${sinks.url}/dev/outbox`)).json()) as { messages: { channel: string; buttons?: unknown[]; links: string[] }[] };
    expect(messages.map((m) => m.channel)).toEqual(['email', 'slack']);
    expect(messages[1]?.buttons).toEqual([{ action_id: 'approve', text: 'Approve', url: 'http://x.test/approvals/1' }]);
    expect(messages[1]?.links).toEqual(['http://x.test/approvals/1']);
    expect((await fetch(`${sinks.url}/nothing-here`)).status).toBe(404);
  });
});
