/**
 * POST /slack/interactions: Slack's Interactivity Request URL. No JWT (Slack cannot send one): every
 * request must carry a valid Slack signature over its raw body, or it gets 401 with no body and nothing is
 * read or recorded. Then the form field `payload` (JSON, block_actions) is acted on; the work and why it
 * fits Slack's 3-second limit: services/slack-approvals.ts. The answer is always an empty 200: what the
 * clicker needs to know comes back as message updates and ephemeral messages.
 */
import { verifySlackSignature } from '../domain/slack-signature.js';
import { HttpError } from '../errors.js';
import { logger } from '../logger.js';
import { requireSecret, SLACK_NOTIFY_SECRETS } from '../secrets.js';
import { secretsMiddleware } from '../secrets-middleware.js';
import { handleSlackClick, parseSlackClick } from '../services/slack-approvals.js';
import { httpRoute, type HttpEvent, type HttpResult } from './middleware.js';

/** Slack sends the whole message (blocks included) back in the payload: more room than for API bodies. */
const MAX_SLACK_BODY_BYTES = 256 * 1024;

/** The body exactly as Slack sent it (API Gateway may hand it over base64-encoded). */
function rawBodyOf(event: HttpEvent): string {
  const body = event.body ?? '';
  const text = event.isBase64Encoded ? Buffer.from(body, 'base64').toString('utf8') : body;
  if (Buffer.byteLength(text) > MAX_SLACK_BODY_BYTES) throw new HttpError(413, 'PayloadTooLarge', `The body must be at most ${MAX_SLACK_BODY_BYTES} bytes`);
  return text;
}

const empty = (statusCode: number): HttpResult => ({ statusCode, headers: { 'Cache-Control': 'no-store' }, body: '' });

export const handler = httpRoute(
  async (event, context) => {
    const rawBody = rawBodyOf(event);
    const check = verifySlackSignature({
      secret: requireSecret(context, 'slackSigningSecret'),
      timestamp: event.headers['x-slack-request-timestamp'],
      signature: event.headers['x-slack-signature'],
      rawBody,
      nowSeconds: Math.floor(Date.now() / 1000),
    });
    if (!check.ok) {
      logger.warn('Slack interaction refused: signature check failed', { reason: check.reason });
      return empty(401);
    }
    const click = parseSlackClick(new URLSearchParams(rawBody).get('payload'));
    if (click) await handleSlackClick(click, new Date());
    return empty(200);
  },
  { use: [secretsMiddleware(['slackSigningSecret', ...SLACK_NOTIFY_SECRETS])] },
);
