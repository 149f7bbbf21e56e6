/**
 * GET /approvals/{token}: the review page. Read-only by design: mail scanners open links in mail, so a
 * GET may never decide anything.
 */
import { requireSecret } from '../secrets.js';
import { secretsMiddleware } from '../secrets-middleware.js';
import { openLink } from '../services/decide-request.js';
import { linkErrorPage, reviewPage } from './approval-pages.js';
import { html, httpRoute } from './middleware.js';

export const handler = httpRoute(
  async (event, context) => {
    const opened = await openLink(requireSecret(context, 'linkSigningKey'), event.pathParameters?.token ?? '', new Date());
    return html(200, reviewPage(opened.request, opened.approver, opened.round));
  },
  { errorPage: linkErrorPage, use: [secretsMiddleware(['linkSigningKey'])] },
);
