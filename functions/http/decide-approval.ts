/** POST /approvals/{token}: decision=approve|deny (+ comment). Uses the link once; resumes the workflow. */
import { parseDecision } from '../domain/action-bodies.js';
import { requireSecret, SLACK_NOTIFY_SECRETS } from '../secrets.js';
import { secretsMiddleware } from '../secrets-middleware.js';
import { decideByLink } from '../services/decide-request.js';
import { publicRequest } from '../services/view-request.js';
import { decisionPage, linkErrorPage } from './approval-pages.js';
import { html, httpRoute, json } from './middleware.js';
import { readFormFields, wantsJson } from './request-input.js';

export const handler = httpRoute(
  async (event, context) => {
    // Other form fields are ignored: a browser may send more than the page's own.
    const { decision, comment } = parseDecision(readFormFields(event), { strict: false });
    const result = await decideByLink({
      key: requireSecret(context, 'linkSigningKey'),
      token: event.pathParameters?.token ?? '',
      decision,
      now: new Date(),
      ...(comment ? { comment } : {}),
    });
    if (wantsJson(event)) return json(200, { outcome: result.outcome, request: publicRequest(result.request) });
    return html(200, decisionPage(result.request, result.outcome, result.approver, result.round));
  },
  { errorPage: linkErrorPage, use: [secretsMiddleware(['linkSigningKey', ...SLACK_NOTIFY_SECRETS])] },
);
