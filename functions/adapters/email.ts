/**
 * Sends email through one of three transports, chosen by EMAIL_TRANSPORT (functions/config.ts):
 *
 * - `ses`: Amazon SES v2 SendEmail with Simple content, as one signed call (aws-json-call.ts, which says why
 *   not @aws-sdk/client-sesv2; test/integration/notifications/email.test.ts checks the request).
 * - `smtp`: nodemailer over SMTP_URL (smtp://user:pass@host:port), e.g. a local MailHog/Mailpit.
 * - `outbox`: POST the message as JSON to OUTBOX_URL + '/email', the local sink (local/sinks/outbox.ts).
 *
 * One attempt per send, at most EMAIL_ATTEMPT_TIMEOUT_MS: retrying (with back-off, for over an hour) is the
 * durable delivery path's job, so the SES call makes one attempt too. Every failure is a DeliveryFailed:
 * - retryable, not sent: SES throttling and sending quota (TooManyRequestsException, LimitExceededException,
 *   Throttling), an SMTP 4xx reply, the connection refused;
 * - retryable, maybe sent (DeliveryUncertain): no answer in time, a broken connection, a 5xx from SES or
 *   the outbox. Retrying may deliver the email twice; email has no way to ask whether it arrived.
 * - not retryable: a bad or unverified address, rejected content, paused or suspended sending, SMTP
 *   5xx replies, bad SMTP credentials, any other 4xx.
 */
import type { Transporter } from 'nodemailer';
import { emailConfig, type EmailConfig } from '../config.js';
import { ConfigError, DeliveryFailed, DeliveryUncertain } from '../errors.js';
import { AwsJsonError, awsJsonService, type AwsJsonService } from './aws-json-call.js';
import { fetchFailure, httpFailure } from './delivery-failure.js';

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
  /** Outbox: the fetch to POST with (defaults to the global one). */
  fetch?: typeof fetch;
}

let sharedSes: AwsJsonService | undefined;

/**
 * SES v2, once per container, from AWS_REGION (and SES_ENDPOINT locally). One short attempt (no
 * withRetries): the notification queue retries, with backoff, for over an hour.
 */
function ses(attemptTimeoutMs: number): AwsJsonService {
  sharedSes ??= awsJsonService('ses', '', 'SES', 'ses', { connectionMs: attemptTimeoutMs, requestMs: attemptTimeoutMs }, {
    endpointPrefix: 'email',
    paths: { SendEmail: '/v2/email/outbound-emails' },
  });
  return sharedSes;
}

/** SES's "not now": throttling and the sending quota (docs/email-facts.md, "Amazon SES v2 SendEmail"). */
const SES_RETRY_LATER = new Set(['TooManyRequestsException', 'LimitExceededException', 'Throttling', 'ThrottlingException']);

function sesFailure(error: unknown, attemptTimeoutMs: number): DeliveryFailed {
  // No HTTP answer: the connection or the timeout.
  if (!(error instanceof AwsJsonError)) return fetchFailure(error, 'SES SendEmail', attemptTimeoutMs);
  const { name, httpStatus } = error;
  const what = `SES SendEmail: ${name}`;
  if (SES_RETRY_LATER.has(name) || httpStatus === 429) return new DeliveryFailed(what, true);
  if (httpStatus >= 500) return new DeliveryUncertain(what);
  return new DeliveryFailed(what, false);
}

/** nodemailer's errors: SMTP replies carry responseCode (4xx: try later, 5xx: permanent); the rest are sockets. */
function smtpFailure(error: unknown, attemptTimeoutMs: number): DeliveryFailed {
  const { responseCode, code, message } = (error ?? {}) as { responseCode?: unknown; code?: unknown; message?: unknown };
  if (typeof responseCode === 'number') return new DeliveryFailed(`SMTP: reply ${responseCode}`, responseCode < 500);
  if (code === 'EAUTH' || code === 'EENVELOPE') return new DeliveryFailed(`SMTP: ${code}`, false);
  if (typeof message === 'string' && /ECONNREFUSED/.test(message)) return new DeliveryFailed('SMTP: ECONNREFUSED', true);
  if (code === 'ETIMEDOUT') return new DeliveryUncertain(`SMTP: no answer within ${attemptTimeoutMs} ms`);
  return fetchFailure(error, 'SMTP', attemptTimeoutMs);
}

/** SES tag names and values allow only letters, digits, `_` and `-` (max 256). */
function sesTag(value: string): string {
  return value.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 256) || '_';
}

function checkMessage(msg: EmailMessage): void {
  if (msg.to.length === 0) throw new DeliveryFailed('An email needs at least one recipient', false);
}

function sesSender(config: EmailConfig): EmailSender {
  return {
    async send(msg) {
      checkMessage(msg);
      const input = {
        FromEmailAddress: config.from,
        Destination: { ToAddresses: msg.to },
        Content: {
          Simple: {
            Subject: { Data: msg.subject, Charset: 'UTF-8' },
            Body: { Text: { Data: msg.text, Charset: 'UTF-8' }, Html: { Data: msg.html, Charset: 'UTF-8' } },
          },
        },
        ...(msg.tags ? { EmailTags: Object.entries(msg.tags).map(([Name, Value]) => ({ Name: sesTag(Name), Value: sesTag(Value) })) } : {}),
      };
      try {
        await ses(config.attemptTimeoutMs).call('SendEmail', input);
      } catch (error) {
        throw sesFailure(error, config.attemptTimeoutMs);
      }
    },
  };
}

function smtpSender(config: EmailConfig): EmailSender {
  if (!config.smtpUrl) throw new ConfigError('The smtp email transport needs SMTP_URL');
  const smtpUrl = config.smtpUrl;
  let transport: Transporter | undefined;
  return {
    async send(msg) {
      checkMessage(msg);
      // Loaded on first use: SMTP is for self-hosted runs; the Lambda bundles leave nodemailer out (serverless.yml).
      const timeouts = { connectionTimeout: config.attemptTimeoutMs, greetingTimeout: config.attemptTimeoutMs, socketTimeout: config.attemptTimeoutMs };
      transport ??= (await import('nodemailer')).default.createTransport({ url: smtpUrl, ...timeouts });
      try {
        await transport.sendMail({
          from: config.from,
          to: msg.to,
          subject: msg.subject,
          text: msg.text,
          html: msg.html,
          headers: msg.tags ? { 'X-Cachegate-Tags': Object.entries(msg.tags).map(([k, v]) => `${sesTag(k)}=${sesTag(v)}`).join('; ') } : undefined,
        });
      } catch (error) {
        throw smtpFailure(error, config.attemptTimeoutMs);
      }
    },
  };
}

function outboxSender(config: EmailConfig, fetchFn: typeof fetch): EmailSender {
  if (!config.outboxUrl) throw new ConfigError('The outbox email transport needs OUTBOX_URL');
  const endpoint = `${config.outboxUrl.replace(/\/+$/, '')}/email`;
  return {
    async send(msg) {
      checkMessage(msg);
      let response: Response;
      try {
        response = await fetchFn(endpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ from: config.from, ...msg }),
          signal: AbortSignal.timeout(config.attemptTimeoutMs),
        });
      } catch (error) {
        throw fetchFailure(error, 'Email outbox', config.attemptTimeoutMs);
      }
      await response.body?.cancel();
      if (!response.ok) throw httpFailure(response, 'Email outbox');
    },
  };
}

export function createEmailSender(config: EmailConfig, deps: EmailSenderDeps = {}): EmailSender {
  switch (config.transport) {
    case 'ses':
      return sesSender(config);
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
