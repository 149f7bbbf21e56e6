import { parseApprovalPolicy } from '../../functions/domain/approval-policy.js';
import { slackIdsOf, slackRefsOf } from '../../functions/domain/slack-delivery.js';

describe('the Slack ids snapshotted at submission', () => {
  const policy = parseApprovalPolicy(
    JSON.stringify({
      default: {
        approvers: [{ email: 'Bob@example.com', slackUserId: 'U0BOB00001' }, { email: 'carol@example.com' }, { email: 'alice@example.com', slackUserId: 'U0ALICE001' }],
        escalationApprovers: [{ email: 'dave@example.com', slackUserId: 'U0DAVE0001' }],
      },
    }),
  ).default;

  it('covers approvers and escalation approvers with an id, never the requester', () => {
    if (!policy) throw new Error('no policy');
    expect(slackIdsOf(policy, 'Alice@example.com')).toEqual({ 'bob@example.com': 'U0BOB00001', 'dave@example.com': 'U0DAVE0001' });
  });
});

describe('the messages to update after a decision', () => {
  it('are the channel message, every DM and the clicked message, each once', () => {
    const channel = { channel: 'C0APPROVALS', ts: '1.1' };
    const bob = { channel: 'D0BOB00001', ts: '1.2' };
    const refs = slackRefsOf({ slackMessage: channel, slackDirectMessages: { U0BOB00001: bob } }, { ...bob });
    expect(refs).toEqual([channel, bob]);
    expect(slackRefsOf({})).toEqual([]);
  });
});
