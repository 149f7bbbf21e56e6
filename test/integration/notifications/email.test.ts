/**
 * The three email transports end to end: outbox (to the local sink), SES v2 (the real SDK against a stub
 * that checks the request), SMTP (nodemailer against a minimal SMTP listener); and what each failure means
 * for the durable delivery path (DeliveryFailed: retryable or not, maybe delivered or not).
 */
import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { createEmailSender, emailSender } from '../../../functions/adapters/email.js';
import { DeliveryFailed, DeliveryUncertain } from '../../../functions/errors.js';
import { renderEmail, type RequestView } from '../../../functions/domain/notification-messages.js';
import { listen, type RunningServer } from '../../../local/sinks/http.js';
import { Outbox, outboxHandler } from '../../../local/sinks/outbox.js';
import { SwitchableSink } from '../../../local/sinks/switchable-server.js';
import { sigV4Valid } from '../../support/aws-stand-in.js';

const approvalUrl = 'http://127.0.0.1:1/approvals/req-42?t=tok_for_ana';
const view: RequestView = {
  id: 'req-42',
  requester: 'dev@example.com',
  targetSummary: 'security group sg-0123456789abcdef0 → replication group orders-cache',
  reason: 'Debugging <INC-7> & friends',
  status: 'PENDING_APPROVAL',
  requestUrl: 'http://127.0.0.1:1/requests/req-42',
  approvalUrl,
};
const email = renderEmail('approval-requested', view, 'ana@example.com');
const message = { to: ['ana@example.com'], ...email, tags: { request: 'req-42', event: 'approval-requested' } };

describe('outbox transport', () => {
  const outbox = new Outbox();
  let server: RunningServer;
  beforeAll(async () => {
    server = await listen([outboxHandler(outbox)]);
  });
  afterAll(() => server.close());

  it('delivers to the outbox, where the approval link can be found and followed', async () => {
    const sender = createEmailSender({ transport: 'outbox', from: 'cachegate@example.com', outboxUrl: server.url, attemptTimeoutMs: 1000 });
    await sender.send(message);
    const recorded = await outbox.waitFor((m) => m.to.includes('ana@example.com'), 1000);
    expect(recorded).toMatchObject({ channel: 'email', from: 'cachegate@example.com', subject: email.subject, text: email.text, html: email.html, tags: message.tags });
    expect(recorded.links).toEqual([approvalUrl]);
  });

  it('fails loudly when the outbox refuses the message: not retryable', async () => {
    const sender = createEmailSender({ transport: 'outbox', from: 'cachegate@example.com', outboxUrl: `${server.url}/nowhere`, attemptTimeoutMs: 1000 });
    const failure = await sender.send(message).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DeliveryFailed);
    expect(failure).toMatchObject({ name: 'DeliveryFailed', retryable: false, message: 'Email outbox: HTTP 404' });
    await expect(createEmailSender({ transport: 'outbox', from: 'c@example.com', outboxUrl: server.url, attemptTimeoutMs: 1000 }).send({ ...message, to: [] })).rejects.toThrow(/recipient/);
  });
});

describe('outbox transport: a mail sink that is down or slow', () => {
  const outbox = new Outbox();
  const sink = new SwitchableSink('mail', [outboxHandler(outbox)]);
  // Short for the slow sink (no real waiting); generous where a busy machine must not turn an answer into a timeout.
  const sender = (attemptTimeoutMs = 5000) => createEmailSender({ transport: 'outbox', from: 'cachegate@example.com', outboxUrl: sink.url, attemptTimeoutMs });
  beforeAll(() => sink.start());
  afterAll(() => sink.close());
  beforeEach(async () => {
    outbox.clear();
    await sink.up();
  });

  it('refused: retryable, nothing delivered; sent again after recovery, exactly one copy arrives', async () => {
    await sink.down();
    const failure = await sender().send(message).catch((error: unknown) => error);
    expect(failure).toMatchObject({ name: 'DeliveryFailed', retryable: true, message: 'Email outbox: ECONNREFUSED' });
    expect(failure).not.toBeInstanceOf(DeliveryUncertain);
    expect(outbox.messages()).toHaveLength(0);

    await sink.up();
    await sender().send(message);
    expect(outbox.messages({ to: 'ana@example.com' })).toHaveLength(1);
  });

  it('slow (the answer comes after the attempt timeout): retryable but maybe delivered, and here it was', async () => {
    await sink.slow();
    const failure = await sender(200).send(message).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DeliveryUncertain);
    expect(failure).toMatchObject({ name: 'DeliveryFailed', retryable: true, message: 'Email outbox: no answer within 200 ms' });
    // The README's promise: after an ambiguous timeout, the email may arrive twice. It has arrived once already.
    expect(outbox.messages({ to: 'ana@example.com' })).toHaveLength(1);
  });
});

describe('SES v2 transport', () => {
  const requests: { method?: string; url?: string; headers: IncomingMessage['headers']; body: string }[] = [];
  let reply: { status: number; headers: Record<string, string>; body: string };
  const stub = createHttpServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      requests.push({ method: req.method, url: req.url, headers: req.headers, body });
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers }).end(reply.body);
    });
  });
  const saved = { ...process.env };

  beforeAll(async () => {
    await new Promise<void>((resolve) => stub.listen(0, '127.0.0.1', resolve));
    Object.assign(process.env, {
      AWS_REGION: 'eu-west-1',
      SES_ENDPOINT: `http://127.0.0.1:${(stub.address() as AddressInfo).port}`,
      AWS_ACCESS_KEY_ID: 'AKIDLOCALTEST',
      AWS_SECRET_ACCESS_KEY: 'local-secret',
      EMAIL_TRANSPORT: 'ses',
      EMAIL_FROM: 'cachegate@example.com',
    });
  });
  afterAll(async () => {
    process.env = saved;
    await new Promise<void>((resolve) => stub.close(() => resolve()));
  });
  beforeEach(() => {
    requests.length = 0;
    reply = { status: 200, headers: {}, body: JSON.stringify({ MessageId: 'local-1' }) };
  });

  it('sends SendEmail with Simple content, signed for SES, as configured by the environment', async () => {
    await emailSender().send(message);
    expect(requests).toHaveLength(1);
    const [request] = requests;
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/v2/email/outbound-emails');
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDLOCALTEST\/\d{8}\/eu-west-1\/ses\/aws4_request/);
    expect(JSON.parse(request?.body ?? '')).toEqual({
      FromEmailAddress: 'cachegate@example.com',
      Destination: { ToAddresses: ['ana@example.com'] },
      Content: {
        Simple: {
          Subject: { Data: email.subject, Charset: 'UTF-8' },
          Body: { Text: { Data: email.text, Charset: 'UTF-8' }, Html: { Data: email.html, Charset: 'UTF-8' } },
        },
      },
      EmailTags: [
        { Name: 'request', Value: 'req-42' },
        { Name: 'event', Value: 'approval-requested' },
      ],
    });
  });

  it('sends what @aws-sdk/client-sesv2 sends for the same SendEmail, validly signed', async () => {
    await emailSender().send(message);
    const sdk = new SESv2Client({ region: 'eu-west-1', endpoint: process.env.SES_ENDPOINT, credentials: { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-secret' } });
    await sdk.send(new SendEmailCommand(JSON.parse(requests[0]?.body ?? '{}') as ConstructorParameters<typeof SendEmailCommand>[0]));
    sdk.destroy();
    const [ours, theirs] = requests as [(typeof requests)[number], (typeof requests)[number]];
    for (const request of [ours, theirs]) expect(sigV4Valid(request, 'local-secret')).toBe(true);
    expect({ method: ours.method, url: ours.url }).toEqual({ method: theirs.method, url: theirs.url });
    for (const header of ['content-type', 'host']) expect([header, ours.headers[header]]).toEqual([header, theirs.headers[header]]);
    expect(JSON.parse(ours.body)).toEqual(JSON.parse(theirs.body));
  });

  it('a rejected or unverified address is not retryable', async () => {
    reply = { status: 400, headers: { 'x-amzn-errortype': 'MessageRejected' }, body: JSON.stringify({ message: 'Email address is not verified.' }) };
    await expect(emailSender().send(message)).rejects.toMatchObject({ name: 'DeliveryFailed', retryable: false, message: 'SES SendEmail: MessageRejected' });
    reply = { status: 400, headers: { 'x-amzn-errortype': 'SendingPausedException' }, body: JSON.stringify({ message: 'Sending is paused.' }) };
    await expect(emailSender().send(message)).rejects.toMatchObject({ retryable: false, message: 'SES SendEmail: SendingPausedException' });
  });

  it('throttling and the sending quota are retryable, in one attempt (the durable path retries, not the SDK)', async () => {
    reply = { status: 429, headers: { 'x-amzn-errortype': 'TooManyRequestsException' }, body: JSON.stringify({ message: 'Maximum sending rate exceeded.' }) };
    await expect(emailSender().send(message)).rejects.toMatchObject({ name: 'DeliveryFailed', retryable: true, message: 'SES SendEmail: TooManyRequestsException' });
    reply = { status: 400, headers: { 'x-amzn-errortype': 'LimitExceededException' }, body: JSON.stringify({ message: 'Daily message quota exceeded.' }) };
    await expect(emailSender().send(message)).rejects.toMatchObject({ retryable: true, message: 'SES SendEmail: LimitExceededException' });
    expect(requests).toHaveLength(2);
  });

  it('a 5xx is retryable and maybe delivered', async () => {
    reply = { status: 503, headers: { 'x-amzn-errortype': 'ServiceUnavailable' }, body: '{}' };
    const failure = await emailSender().send(message).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DeliveryUncertain);
    expect(requests).toHaveLength(1);
  });
});

/** A minimal SMTP server: accepts everything, or answers RCPT with `rcptReply` (e.g. a 4xx or 5xx). */
async function smtpServer(rcptReply = '250 ok') {
  const transcript: string[] = [];
  const received = { data: '' };
  const server = createTcpServer((socket) => {
    let inData = false;
    let buffer = '';
    socket.write('220 localhost ESMTP test\r\n');
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      for (;;) {
        if (inData) {
          const end = buffer.indexOf('\r\n.\r\n');
          if (end < 0) return;
          received.data = buffer.slice(0, end);
          buffer = buffer.slice(end + 5);
          inData = false;
          socket.write('250 2.0.0 queued\r\n');
          continue;
        }
        const eol = buffer.indexOf('\r\n');
        if (eol < 0) return;
        const line = buffer.slice(0, eol);
        buffer = buffer.slice(eol + 2);
        transcript.push(line);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO') socket.write('250-localhost\r\n250 8BITMIME\r\n');
        else if (verb === 'RCPT') socket.write(`${rcptReply}\r\n`);
        else if (verb === 'DATA') {
          inData = true;
          socket.write('354 go ahead\r\n');
        } else if (verb === 'QUIT') socket.end('221 bye\r\n');
        else socket.write('250 ok\r\n');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    transcript,
    received,
    sender: createEmailSender({ transport: 'smtp', from: 'cachegate@example.com', smtpUrl: `smtp://127.0.0.1:${port}`, attemptTimeoutMs: 2000 }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('SMTP transport', () => {
  it('delivers through nodemailer to an SMTP server', async () => {
    const smtp = await smtpServer();
    try {
      await smtp.sender.send(message);
      expect(smtp.transcript).toEqual(expect.arrayContaining(['MAIL FROM:<cachegate@example.com>', 'RCPT TO:<ana@example.com>', 'DATA']));
      expect(smtp.received.data).toMatch(/^Subject: Approval needed: cache access for dev@example.com \(req-42\)$/m);
      expect(smtp.received.data).toMatch(/^X-Cachegate-Tags: request=req-42; event=approval-requested$/m);
      expect(smtp.received.data).toContain('multipart/alternative');
    } finally {
      await smtp.close();
    }
  });

  it('a 4xx reply is retryable, a 5xx (no such mailbox) is not, a refused connection is retryable', async () => {
    for (const [reply, retryable] of [['451 4.3.0 try again later', true], ['550 5.1.1 no such user', false]] as const) {
      const smtp = await smtpServer(reply);
      try {
        await expect(smtp.sender.send(message)).rejects.toMatchObject({ name: 'DeliveryFailed', retryable, message: `SMTP: reply ${reply.slice(0, 3)}` });
      } finally {
        await smtp.close();
      }
    }
    const gone = await smtpServer();
    await gone.close();
    await expect(gone.sender.send(message)).rejects.toMatchObject({ name: 'DeliveryFailed', retryable: true, message: 'SMTP: ECONNREFUSED' });
  });
});
