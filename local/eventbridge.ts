/**
 * A local EventBridge: PutEvents over AWS JSON 1.1 (EVENTS_ENDPOINT), onto the default bus. Each event it
 * takes is recorded in the outbox (`channel: 'event'`, GET /dev/outbox?channel=event) next to the emails
 * and Slack messages. It runs on its own port behind a SwitchableSink (local/sinks/switchable-server.ts), so
 * `stack.faults.events` takes it down or makes it slow like the mail and Slack sinks, and
 * `failEntries(n, code)` has it answer 200 with the next n entries failed (FailedEntryCount), as EventBridge
 * may. It does not check signatures; the call is handled in one function, `putEvents`, from the parsed body.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Outbox } from './sinks/outbox.js';
import { answerAsync, readBody, sendJson, type SinkHandler } from './sinks/http.js';

export interface PutEventsCall {
  Entries?: { Source?: string; DetailType?: string; Detail?: string; Time?: number | string; EventBusName?: string; Resources?: string[] }[];
}

export interface PutEventsReply {
  FailedEntryCount: number;
  Entries: ({ EventId: string } | { ErrorCode: string; ErrorMessage: string })[];
}

/** An AWS JSON error reply: the status and `__type`, as the SDKs read them. */
export class EventBridgeError extends Error {
  constructor(readonly type: string, message: string, readonly status = 400) {
    super(message);
  }
}

export class LocalEventBridge {
  readonly #outbox: Outbox;
  #failing: { count: number; code: string } = { count: 0, code: 'InternalFailure' };

  constructor(outbox: Outbox) {
    this.#outbox = outbox;
  }

  /** The next `count` entries are answered as failed with `code` (200, FailedEntryCount > 0). */
  failEntries(count: number, code = 'InternalFailure'): void {
    this.#failing = { count, code };
  }

  /** PutEvents, from its parsed JSON body: each good entry recorded; a failed one answered with its ErrorCode. */
  putEvents(call: PutEventsCall): PutEventsReply {
    const entries = call.Entries;
    if (!Array.isArray(entries) || entries.length < 1 || entries.length > 10) throw new EventBridgeError('ValidationException', 'Entries must hold 1 to 10 entries');
    const results: PutEventsReply['Entries'] = entries.map((entry) => {
      if (this.#failing.count > 0) {
        this.#failing.count--;
        return { ErrorCode: this.#failing.code, ErrorMessage: 'Injected by the local stack' };
      }
      if (entry.EventBusName !== undefined && entry.EventBusName !== 'default') return { ErrorCode: 'InvalidArgument', ErrorMessage: `Only the default bus exists locally, not ${entry.EventBusName}` };
      if (!entry.Source || !entry.DetailType) return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Source and DetailType are required' };
      let detail: unknown;
      try {
        detail = JSON.parse(entry.Detail ?? '');
      } catch {
        detail = undefined;
      }
      if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is not a JSON object' };
      const id = randomUUID();
      const time = entry.Time === undefined ? new Date() : new Date(typeof entry.Time === 'number' ? entry.Time * 1000 : entry.Time);
      this.#outbox.record({
        channel: 'event',
        to: ['default'],
        subject: entry.DetailType,
        text: JSON.stringify(detail, null, 2),
        event: { id, source: entry.Source, detailType: entry.DetailType, time: time.toISOString(), detail },
      });
      return { EventId: id };
    });
    return { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results };
  }

  /** POST / with X-Amz-Target AWSEvents.PutEvents (the only operation cachegate calls). */
  readonly handler: SinkHandler = (req: IncomingMessage, res: ServerResponse): boolean => {
    if (req.method !== 'POST' || (req.url ?? '/') !== '/') return false;
    return answerAsync(res, async () => {
      const body = await readBody(req);
      const reply = (type: string, message: string, status: number): void => sendJson(res, status, { __type: type, message }, { 'content-type': 'application/x-amz-json-1.1' });
      if (req.headers['x-amz-target'] !== 'AWSEvents.PutEvents') return reply('UnknownOperationException', `${String(req.headers['x-amz-target'])} is not emulated`, 400);
      let call: PutEventsCall;
      try {
        call = JSON.parse(body) as PutEventsCall;
      } catch {
        return reply('SerializationException', 'The body is not JSON', 400);
      }
      try {
        sendJson(res, 200, this.putEvents(call), { 'content-type': 'application/x-amz-json-1.1' });
      } catch (error) {
        if (error instanceof EventBridgeError) return reply(error.type, error.message, error.status);
        throw error;
      }
    });
  };
}
