/**
 * Sends email through one of three transports, chosen by EMAIL_TRANSPORT (functions/config.ts):
 *
 * - `ses`: Amazon SES v2 SendEmail with Simple content; the client is built once per container, on first use.
 * - `smtp`: nodemailer over SMTP_URL (smtp://user:pass@host:port), e.g. a local MailHog/Mailpit.
 * - `outbox`: POST the message as JSON to OUTBOX_URL + '/email', the local sink (local/sinks/outbox.ts).
 *
 * Errors propagate: whether a failed email fails the task is the caller's decision. SES errors keep their
 * SDK names (MessageRejected, SendingPausedException, …); the SDK already retried throttling.
 */
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { Transporter } from 'nodemailer';
import { emailConfig, type EmailConfig } from '../config.js';
import { CachegateError } from '../errors.js';
import { awsClient } from './aws-client.js';

export interface EmailMessage {
  to: string[];
  subject: string;
  text: string;
  html: string;
  /** SES message tags (e.g. { request: 'req-42', event: 'approval-requested' }); a header elsewhere. */
  tags?: Record<string, string>;
}

export interface EmailSender {
  send(msg: EmailMessage): Promise<void>;
}

export interface EmailSenderDeps {
  /** SES: a client to use instead of the module's shared one (tests). */
  ses?: SESv2Client;
  /** Outbox: the fetch to POST with (defaults to the global one). */
  fetch?: typeof fetch;
}

let sharedSes: SESv2Client | undefined;

/** The SES v2 client, built once per container from AWS_REGION (and SES_ENDPOINT locally). */
function sesClient(): SESv2Client {
  if (!sharedSes) {
    sharedSes = awsClient(SESv2Client, 'ses');
  }
  return sharedSes;
}

/** SES tag names and values allow only letters, digits, `_` and `-` (max 256). */
function sesTag(value: string): string {
  return value.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 256) || '_';
}

function checkMessage(msg: EmailMessage): void {
  if (msg.to.length === 0) throw new CachegateError('An email needs at least one recipient');
}

function sesSender(config: EmailConfig, client: () => SESv2Client): EmailSender {
  return {
    async send(msg) {
      checkMessage(msg);
      await client().send(
        new SendEmailCommand({
          FromEmailAddress: config.from,
          Destination: { ToAddresses: msg.to },
          Content: {
            Simple: {
              Subject: { Data: msg.subject, Charset: 'UTF-8' },
              Body: { Text: { Data: msg.text, Charset: 'UTF-8' }, Html: { Data: msg.html, Charset: 'UTF-8' } },
            },
          },
          EmailTags: msg.tags ? Object.entries(msg.tags).map(([Name, Value]) => ({ Name: sesTag(Name), Value: sesTag(Value) })) : undefined,
        }),
      );
    },
  };
}

function smtpSender(config: EmailConfig): EmailSender {
  if (!config.smtpUrl) throw new CachegateError('The smtp email transport needs SMTP_URL');
  const smtpUrl = config.smtpUrl;
  let transport: Transporter | undefined;
  return {
    async send(msg) {
      checkMessage(msg);
      // Loaded on first use: SMTP is for self-hosted runs; the Lambda bundles leave nodemailer out (serverless.yml).
      transport ??= (await import('nodemailer')).default.createTransport(smtpUrl);
      await transport.sendMail({
        from: config.from,
        to: msg.to,
        subject: msg.subject,
        text: msg.text,
        html: msg.html,
        headers: msg.tags ? { 'X-Cachegate-Tags': Object.entries(msg.tags).map(([k, v]) => `${sesTag(k)}=${sesTag(v)}`).join('; ') } : undefined,
      });
    },
  };
}

function outboxSender(config: EmailConfig, fetchFn: typeof fetch): EmailSender {
  if (!config.outboxUrl) throw new CachegateError('The outbox email transport needs OUTBOX_URL');
  const endpoint = `${config.outboxUrl.replace(/\/+$/, '')}/email`;
  return {
    async send(msg) {
      checkMessage(msg);
      const response = await fetchFn(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ from: config.from, ...msg }),
        signal: AbortSignal.timeout(5000),
      });
      if (!response.ok) throw new CachegateError(`The email outbox answered HTTP ${response.status}`);
      await response.body?.cancel();
    },
  };
}

export function createEmailSender(config: EmailConfig, deps: EmailSenderDeps = {}): EmailSender {
  switch (config.transport) {
    case 'ses':
      return sesSender(config, () => deps.ses ?? sesClient());
    case 'smtp':
      return smtpSender(config);
    case 'outbox':
      return outboxSender(config, deps.fetch ?? fetch);
  }
}

let sharedSender: EmailSender | undefined;

/** The sender configured by the environment, created on first use. */
export function emailSender(): EmailSender {
  return (sharedSender ??= createEmailSender(emailConfig()));
}
