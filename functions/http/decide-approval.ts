/** POST /approvals/{token}: decision=approve|deny (+ comment). Uses the link once; resumes the workflow. */
import { visibleTextProblem } from '../domain/visible-text.js';
import { ValidationError } from '../errors.js';
import { requireSecret, SLACK_NOTIFY_SECRETS } from '../secrets.js';
import { secretsMiddleware } from '../secrets-middleware.js';
import { COMMENT_MAX_LENGTH, decideByLink } from '../services/decide-request.js';
import { publicRequest } from '../services/view-request.js';
import { decisionPage, linkErrorPage } from './approval-pages.js';
import { html, httpRoute, json } from './middleware.js';
import { readFormBody, wantsJson } from './request-input.js';

export const handler = httpRoute(
  async (event, context) => {
    const form = readFormBody(event);
    const decision = form.get('decision');
    const comment = form.get('comment') ?? undefined;
    const problems = [];
    if (decision !== 'approve' && decision !== 'deny') problems.push({ field: 'decision', message: 'must be approve or deny' });
    if (comment !== undefined && comment.length > COMMENT_MAX_LENGTH) problems.push({ field: 'comment', message: `must be at most ${COMMENT_MAX_LENGTH} characters` });
    // An empty comment box means no comment; anything else in it must be visible text.
    const commentProblem = comment && comment.trim() !== '' ? visibleTextProblem(comment) : undefined;
    if (commentProblem) problems.push({ field: 'comment', message: commentProblem });
    if (problems.length > 0) throw new ValidationError(problems);
    const result = await decideByLink({
      key: requireSecret(context, 'linkSigningKey'),
      token: event.pathParameters?.token ?? '',
      decision: decision as 'approve' | 'deny',
      now: new Date(),
      ...(comment ? { comment } : {}),
    });
    if (wantsJson(event)) return json(200, { outcome: result.outcome, request: publicRequest(result.request) });
    return html(200, decisionPage(result.request, result.outcome, result.approver, result.round));
  },
  { errorPage: linkErrorPage, use: [secretsMiddleware(['linkSigningKey', ...SLACK_NOTIFY_SECRETS])] },
);
