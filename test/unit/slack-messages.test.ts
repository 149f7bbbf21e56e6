import type { RequestView } from '../../functions/domain/notification-messages.js';
import type { SlackBlock, SlackButton, SlackMessage } from '../../functions/domain/slack-messages.js';
import { approvalMessage, escapeSlack, outcomeMessage, threadReply, withReviewLink } from '../../functions/domain/slack-messages.js';

const view: RequestView = {
  id: 'req-42',
  requester: 'dev@example.com',
  targetSummary: 'EC2 security group app-servers (owner 123456789012) → cache security group orders',
  target: { mode: 'classic', cacheSecurityGroupName: 'orders', ec2SecurityGroupName: 'app-servers', ec2SecurityGroupOwnerId: '123456789012' },
  reason: 'Debugging INC-7',
  durationMinutes: 60,
  status: 'PENDING_APPROVAL',
  requestUrl: 'https://cachegate.example.com/requests/req-42',
  // A per-approver link with a token: it must never reach a Slack channel.
  approvalUrl: 'https://cachegate.example.com/approvals/req-42?t=tok_secret_per_approver',
  expiresAt: '2026-11-28T16:00:00.000Z',
};
const pageUrl = 'https://cachegate.example.com/approvals/req-42/slack';

function actionsOf(message: SlackMessage): Extract<SlackBlock, { type: 'actions' }>[] {
  return message.blocks.filter((b): b is Extract<SlackBlock, { type: 'actions' }> => b.type === 'actions');
}
function allText(message: SlackMessage): string {
  return JSON.stringify(message);
}
/** Slack's documented limits for what we use. */
function expectWithinSlackLimits(message: SlackMessage): void {
  expect(message.text.length).toBeGreaterThan(0);
  expect(message.blocks.length).toBeLessThanOrEqual(50);
  for (const block of message.blocks) {
    if (block.type === 'section') {
      expect(block.text?.text.length ?? 0).toBeLessThanOrEqual(3000);
      expect(block.fields?.length ?? 0).toBeLessThanOrEqual(10);
      for (const f of block.fields ?? []) expect(f.text.length).toBeLessThanOrEqual(2000);
    }
    if (block.type === 'actions') {
      for (const b of block.elements) {
        expect(b.text.text.length).toBeLessThanOrEqual(75);
        expect(b.value?.length ?? 0).toBeLessThanOrEqual(2000);
      }
    }
  }
}

describe('approvalMessage, interactive', () => {
  const message = approvalMessage(view, { interactive: true });
  const [actions] = actionsOf(message);

  it('has one decision block with Approve (primary) and Deny (danger)', () => {
    expect(actionsOf(message)).toHaveLength(1);
    expect(actions?.block_id).toBe('decision');
    expect(actions?.elements.map((b: SlackButton) => [b.action_id, b.style, b.text.text])).toEqual([
      ['approve', 'primary', 'Approve'],
      ['deny', 'danger', 'Deny'],
    ]);
  });

  it('buttons carry the request id as value and no url', () => {
    for (const button of actions?.elements ?? []) {
      expect(button.value).toBe('req-42');
      expect(button).not.toHaveProperty('url');
    }
  });

  it('shows requester, cache group, EC2 group and owner, reason, duration and deadline', () => {
    const text = allText(message);
    for (const expected of ['dev@example.com', 'orders', 'app-servers', '123456789012', 'Debugging INC-7', '1 hour', '2026-11-28 16:00 UTC']) {
      expect(text).toContain(expected);
    }
    expect(message.text).toContain('req-42');
    expectWithinSlackLimits(message);
  });

  it('never contains the approver token', () => {
    expect(allText(message)).not.toContain('tok_secret');
  });

  it('shows VPC targets by cluster and source group', () => {
    const vpc = approvalMessage({ ...view, target: { mode: 'vpc', replicationGroupId: 'orders-cache', sourceSecurityGroupId: 'sg-0123456789abcdef0' } }, { interactive: true });
    expect(allText(vpc)).toContain('replication group orders-cache');
    expect(allText(vpc)).toContain('sg-0123456789abcdef0');
  });
});

describe('approvalMessage, link buttons', () => {
  const message = approvalMessage(view, { interactive: false, approveUrl: pageUrl });
  const [actions] = actionsOf(message);

  it('buttons open the approval page and carry no value', () => {
    expect(actions?.elements.map((b: SlackButton) => [b.action_id, b.url])).toEqual([
      ['approve', pageUrl],
      ['deny', pageUrl],
    ]);
    for (const button of actions?.elements ?? []) expect(button).not.toHaveProperty('value');
    expect(allText(message)).not.toContain('tok_secret');
  });

  it('needs an http(s) page URL', () => {
    expect(() => approvalMessage(view, { interactive: false })).toThrow(/approval page URL/);
    expect(() => approvalMessage(view, { interactive: false, approveUrl: 'javascript:alert(1)' })).toThrow(/approval page URL/);
  });
});

describe('escaping', () => {
  it('neutralises mentions, broadcasts and disguised links in user input', () => {
    const hostile = approvalMessage(
      { ...view, requester: '<!channel> <@U0BOSS>', reason: 'see <https://evil.example|the runbook> & <!here>', targetSummary: '<!everyone>', target: undefined },
      { interactive: true },
    );
    const text = allText(hostile);
    expect(text).not.toMatch(/<!(channel|here|everyone)>/);
    expect(text).not.toContain('<@U0BOSS>');
    expect(text).not.toContain('<https://evil.example');
    expect(text).toContain('&lt;!channel&gt;');
    expect(text).toContain('&amp; &lt;!here&gt;');
  });

  it('escapeSlack escapes the three control characters only', () => {
    expect(escapeSlack('a & <b> *c*')).toBe('a &amp; &lt;b&gt; *c*');
  });

  it('stays inside Slack limits with an enormous reason', () => {
    expectWithinSlackLimits(approvalMessage({ ...view, reason: 'x'.repeat(10_000) }, { interactive: true }));
  });
});

describe('outcomeMessage', () => {
  it('has no buttons, in every state', () => {
    for (const status of ['APPROVED', 'AUTHORIZING', 'ACTIVE', 'DENIED', 'EXPIRED', 'FAILED', 'CANCELLED'] as const) {
      const message = outcomeMessage({ ...view, status, decidedBy: 'U0APPROVER1' });
      expect(actionsOf(message)).toEqual([]);
      expect(allText(message)).not.toContain('"button"');
      expectWithinSlackLimits(message);
    }
  });

  it('says the outcome and who decided, with the comment', () => {
    const denied = outcomeMessage({ ...view, status: 'DENIED', decidedBy: 'U0APPROVER1', decisionComment: 'Use the replica' });
    expect(allText(denied)).toContain('*Denied* by <@U0APPROVER1>');
    expect(allText(denied)).toContain('Use the replica');
    expect(denied.text).toContain('Denied by <@U0APPROVER1>');
    expect(allText(denied)).toContain('app-servers');

    const approved = outcomeMessage({ ...view, status: 'ACTIVE', decidedBy: 'ana@example.com' });
    expect(allText(approved)).toContain('*Approved* by ana@example.com');
    const failed = outcomeMessage({ ...view, status: 'FAILED', decidedBy: 'ana@example.com', failureReason: 'LimitExceeded' });
    expect(allText(failed)).toContain('LimitExceeded');
  });
});

describe('threadReply', () => {
  it('is one short section with fallback text', () => {
    const reminder = threadReply('reminder', view);
    expect(reminder.blocks).toHaveLength(1);
    expect(reminder.text).toMatch(/Still waiting for a decision/);
    expect(allText(reminder)).toContain('2026-11-28 16:00 UTC');
    expect(allText(reminder)).not.toContain('tok_secret');
    expect(threadReply('granted', { ...view, status: 'ACTIVE', decidedBy: 'U0APPROVER1' }).text).toMatch(/Access is active/);
  });
});

describe('withReviewLink (an approver’s DM)', () => {
  const channel = approvalMessage(view, { interactive: true });
  const url = 'https://cachegate.example.com/approvals/abc.def';

  it('keeps the interactive buttons and adds one link button to the personal review page', () => {
    const dm = withReviewLink(channel, url);
    expect(dm.blocks.slice(0, channel.blocks.length)).toEqual(channel.blocks);
    const added = dm.blocks.at(-1);
    expect(added).toEqual({ type: 'actions', block_id: 'review', elements: [expect.objectContaining({ action_id: 'open-review-page', url })] });
    expect(JSON.stringify(added)).not.toContain('"value"');
  });

  it('adds nothing for a URL that is not http(s)', () => {
    expect(withReviewLink(channel, 'javascript:alert(1)')).toEqual(channel);
  });
});
