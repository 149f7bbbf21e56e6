import type { RequestView, NotificationEvent } from '../../functions/domain/notification-messages.js';
import { escapeHtml, formatDuration, notificationContent, renderEmail } from '../../functions/domain/notification-messages.js';

const approvalUrl = 'https://cachegate.example.com/approvals/req-42?t=tok_approver_only';
const view: RequestView = {
  id: 'req-42',
  requester: 'dev@example.com',
  targetSummary: 'EC2 security group app-servers (owner 123456789012) → cache security group orders',
  reason: 'Debugging INC-7 checkout latency',
  durationMinutes: 120,
  status: 'PENDING_APPROVAL',
  requestUrl: 'https://cachegate.example.com/requests/req-42',
  approvalUrl,
  expiresAt: '2026-11-28T16:00:00.000Z',
};

const ALL_EVENTS: NotificationEvent[] = [
  'approval-requested', 'submitted', 'approved', 'denied', 'granted', 'expired', 'failed', 'reminder', 'escalated', 'cancelled',
];
const APPROVER_EVENTS: NotificationEvent[] = ['approval-requested', 'reminder', 'escalated'];

/** Every tag name used in the markup. */
function tagsOf(html: string): Set<string> {
  return new Set([...html.matchAll(/<\/?([a-zA-Z][a-zA-Z0-9]*)/g)].map((m) => (m[1] ?? '').toLowerCase()));
}
const OUR_TAGS = new Set(['html', 'head', 'meta', 'title', 'body', 'p', 'table', 'tr', 'th', 'td', 'a', 'br']);

describe('escapeHtml', () => {
  it('escapes the five HTML-significant characters', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&amp;</a>`)).toBe('&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;');
    expect(escapeHtml(42)).toBe('42');
  });
});

describe('renderEmail', () => {
  it('approval-requested: who, what, why, the approval page link, and what happens next', () => {
    const email = renderEmail('approval-requested', view, 'ana@example.com');
    expect(email.subject).toBe('Approval needed: cache access for dev@example.com (req-42)');
    for (const part of [email.text, email.html]) {
      expect(part).toContain('dev@example.com');
      expect(part).toContain('cache security group orders');
      expect(part).toContain('Debugging INC-7 checkout latency');
      expect(part).toContain('2 hours');
      expect(part).toContain('2026-11-28 16:00 UTC');
      expect(part).toContain('ana@example.com only');
    }
    expect(email.text).toContain(`Review and decide: ${approvalUrl}`);
    expect(email.html).toContain(`href="${approvalUrl}"`);
  });

  it('links only to the approval page and the request page, never to anything that acts', () => {
    for (const event of ALL_EVENTS) {
      const { text, html } = renderEmail(event, { ...view, decidedBy: 'ana@example.com', failureReason: 'LimitExceeded' }, 'someone@example.com');
      const links = [...`${text} ${html}`.matchAll(/https?:\/\/[^\s"<]+/g)].map((m) => m[0]);
      for (const link of links) expect([approvalUrl, view.requestUrl]).toContain(link);
    }
  });

  it('puts the personal approval link only in approver emails', () => {
    for (const event of ALL_EVENTS) {
      const { text, html } = renderEmail(event, { ...view, decidedBy: 'ana@example.com' }, 'someone@example.com');
      const hasLink = text.includes('tok_approver_only') || html.includes('tok_approver_only');
      expect([event, hasLink]).toEqual([event, APPROVER_EVENTS.includes(event)]);
    }
  });

  it('refuses an approver email without a usable approval link', () => {
    expect(() => renderEmail('approval-requested', { ...view, approvalUrl: undefined }, 'a@example.com')).toThrow(/approval page URL/);
    expect(() => renderEmail('reminder', { ...view, approvalUrl: 'javascript:alert(1)' }, 'a@example.com')).toThrow(/approval page URL/);
  });

  it('escapes hostile values everywhere in the HTML part', () => {
    const hostile: RequestView = {
      ...view,
      id: 'req-<b>1</b>',
      requester: '<script>alert("r")</script>@example.com',
      targetSummary: 'group "><img src=x onerror=alert(1)> & co',
      reason: "</td></tr></table><iframe src='https://evil.example'></iframe>\nline two",
      decidedBy: '<svg onload=alert(2)>',
      decisionComment: '<a href="https://evil.example">click</a>',
      failureReason: '<style>*{display:none}</style>',
    };
    for (const event of ALL_EVENTS) {
      const { html } = renderEmail(event, hostile, 'x"><script>@example.com');
      expect([...tagsOf(html)].filter((tag) => !OUR_TAGS.has(tag))).toEqual([]);
      expect(html).not.toContain('evil.example"');
      expect(html).not.toMatch(/<[^>]*\son(error|load)=/i);
    }
    const { html } = renderEmail('denied', hostile, 'dev@example.com');
    expect(html).toContain('&lt;script&gt;alert(&quot;r&quot;)&lt;/script&gt;@example.com');
    expect(html).toContain('&lt;svg onload=alert(2)&gt;');
  });

  it('keeps an approval URL inside its attribute even if it carries quotes', () => {
    const url = 'https://cachegate.example.com/approvals/req-42?t=a"onmouseover="alert(1)';
    const { html } = renderEmail('approval-requested', { ...view, approvalUrl: url }, 'ana@example.com');
    expect(html).toContain('href="https://cachegate.example.com/approvals/req-42?t=a&quot;onmouseover=&quot;alert(1)"');
    expect(html).not.toContain('"onmouseover');
  });

  it('keeps the subject to one line, whatever the requester typed', () => {
    const { subject } = renderEmail('approval-requested', { ...view, requester: 'evil@example.com\r\nBcc: all@example.com' }, 'a@example.com');
    expect(subject).not.toMatch(/[\r\n]/);
    expect(subject.length).toBeLessThanOrEqual(150);
  });

  it('says who decided and why on a denial, and the error on a failure', () => {
    const denied = renderEmail('denied', { ...view, status: 'DENIED', decidedBy: 'ana@example.com', decisionComment: 'Use the read replica' }, 'dev@example.com');
    expect(denied.subject).toBe('Denied: your cache access request req-42');
    expect(denied.text).toMatch(/ana@example\.com denied your request/);
    expect(denied.text).toContain('Use the read replica');
    const failed = renderEmail('failed', { ...view, status: 'FAILED', decidedBy: 'ana@example.com', failureReason: 'LimitExceeded: too many rules' }, 'dev@example.com');
    expect(failed.text).toContain('LimitExceeded: too many rules');
  });

  it('approvers get approver wording for outcomes, never the requester’s', () => {
    const outcomes = [
      ['granted', { ...view, status: 'ACTIVE', decidedBy: 'ana@example.com' }],
      ['denied', { ...view, status: 'DENIED', decidedBy: 'ana@example.com' }],
      ['expired', { ...view, status: 'EXPIRED' }],
      ['expired', { ...view, status: 'EXPIRED', decidedBy: 'ana@example.com' }],
      ['failed', { ...view, status: 'FAILED', decidedBy: 'ana@example.com', failureReason: 'LimitExceeded' }],
    ] as const;
    for (const [event, outcome] of outcomes) {
      const requester = renderEmail(event, outcome, 'dev@example.com');
      const approver = renderEmail(event, outcome, 'ana@example.com');
      expect(approver.text).not.toMatch(/\byour (access|request)\b|Your access|submit a new request|If you (still )?need access/i);
      expect(approver.text).toContain('dev@example.com');
      expect(approver.subject).not.toMatch(/your/i);
      expect(requester.text).not.toBe(approver.text);
    }
    expect(renderEmail('granted', outcomes[0][1], 'ana@example.com').text).toMatch(/dev@example\.com's access is now active/);
    expect(renderEmail('granted', outcomes[0][1], 'dev@example.com').text).toMatch(/Your access is now active/);
  });

  it('tells a timed-out request apart from access that ended', () => {
    const timedOut = notificationContent('expired', { ...view, status: 'EXPIRED' }, 'dev@example.com');
    const ended = notificationContent('expired', { ...view, status: 'EXPIRED', decidedBy: 'ana@example.com' }, 'dev@example.com');
    expect(timedOut.headline).toMatch(/No one decided/);
    expect(ended.headline).toMatch(/has ended/);
  });

  it('gives every event its own subject and a next step', () => {
    const subjects = ALL_EVENTS.map((event) => {
      const content = notificationContent(event, { ...view, decidedBy: 'ana@example.com' }, 'x@example.com');
      expect(content.next.length).toBeGreaterThan(10);
      return content.subject;
    });
    expect(new Set(subjects).size).toBe(ALL_EVENTS.length);
  });
});

describe('formatDuration', () => {
  it('reads naturally', () => {
    expect(formatDuration(1)).toBe('1 minute');
    expect(formatDuration(45)).toBe('45 minutes');
    expect(formatDuration(60)).toBe('1 hour');
    expect(formatDuration(90)).toBe('1 hour 30 minutes');
    expect(formatDuration(2880)).toBe('2 days');
    expect(formatDuration(undefined)).toBeUndefined();
  });
});
