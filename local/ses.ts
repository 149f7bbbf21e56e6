/**
 * A local Amazon SES v2 endpoint (REST-JSON, `POST /v2/email/outbound-emails`, SendEmail with Simple
 * content) that puts each message in the outbox, so functions send email with EMAIL_TRANSPORT=ses as they
 * do in AWS. Each call is checked against the caller's role: ses:SendEmail on the sender's identity, the
 * address's or, failing that, its domain's (SES authorizes the identity the sender is verified under).
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { accessDenied, type LocalIam } from './iam/access.js';
import { resourceArn } from './iam/policy.js';
import { readBody } from './http-gateway.js';
import { listenOnLoopback, type LoopbackServer } from './loopback-server.js';
import type { Outbox } from './sinks/index.js';

export type LocalSes = LoopbackServer;

interface SendEmailBody {
  FromEmailAddress?: string;
  Destination?: { ToAddresses?: string[]; CcAddresses?: string[]; BccAddresses?: string[] };
  Content?: { Simple?: { Subject?: { Data?: string }; Body?: { Text?: { Data?: string }; Html?: { Data?: string } } } };
  EmailTags?: { Name: string; Value: string }[];
}

function reply(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(body);
}

export async function startLocalSes(iam: LocalIam, outbox: Outbox): Promise<LocalSes> {
  const server: Server = createServer((req, res) => {
    void (async () => {
      const raw = (await readBody(req)).toString('utf8');
      if (req.method !== 'POST' || req.url !== '/v2/email/outbound-emails') {
        reply(res, 404, JSON.stringify({ message: `The local SES answers SendEmail only, not ${req.method} ${req.url}` }), { 'x-amzn-ErrorType': 'NotFoundException' });
        return;
      }
      const body = JSON.parse(raw || '{}') as SendEmailBody;
      const from = body.FromEmailAddress ?? '';
      const address = /<([^>]+)>/.exec(from)?.[1] ?? from;
      const where = { region: iam.region, account: iam.account };
      const byAddress = await resourceArn('ses:SendEmail', 'identity', { IdentityName: address }, where);
      const byDomain = await resourceArn('ses:SendEmail', 'identity', { IdentityName: address.split('@')[1] ?? address }, where);
      const decision = iam.check(req.headers, { action: 'ses:SendEmail', resources: [byAddress] }, { action: 'ses:SendEmail', resources: [byDomain] });
      if (!decision.allowed) {
        const denied = accessDenied.restJson(decision.message);
        reply(res, denied.status, denied.body, denied.headers);
        return;
      }
      const to = [...(body.Destination?.ToAddresses ?? []), ...(body.Destination?.CcAddresses ?? []), ...(body.Destination?.BccAddresses ?? [])];
      if (to.length === 0 || !body.Content?.Simple) {
        reply(res, 400, JSON.stringify({ message: 'Destination and Content.Simple are required' }), { 'x-amzn-ErrorType': 'BadRequestException' });
        return;
      }
      const simple = body.Content.Simple;
      outbox.record({
        channel: 'email',
        to,
        from,
        subject: simple.Subject?.Data ?? '',
        text: simple.Body?.Text?.Data ?? '',
        ...(simple.Body?.Html?.Data !== undefined ? { html: simple.Body.Html.Data } : {}),
        ...(body.EmailTags ? { tags: Object.fromEntries(body.EmailTags.map((tag) => [tag.Name, tag.Value])) } : {}),
      });
      reply(res, 200, JSON.stringify({ MessageId: `local-${randomUUID()}` }));
    })().catch((error: Error) => reply(res, 500, JSON.stringify({ message: error.message }), { 'x-amzn-ErrorType': 'InternalFailure' }));
  });
  return listenOnLoopback(server);
}
