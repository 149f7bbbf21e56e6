/**
 * One AWS Query operation as a signed HTTPS call: EC2 (its `ec2` protocol, version 2016-11-15) and
 * ElastiCache (`awsQuery`, 2015-02-02), the two services the grant drivers call. Instead of their SDK
 * clients: each brought the SDK core, the Query protocol's serializers, schemas, endpoint rules and
 * middleware stack, 40–60 KB of every grant function and most of its init time (README, "Benchmarks").
 * The transport is aws-json-call.ts's (the SDK's own SigV4 signer and Node HTTP handler, `fromEnv`
 * credentials, the endpoint); what we own is the form we send and the XML we read, both checked against
 * what the SDK clients send and read (test/integration/aws-query).
 *
 * On the wire (AWS, "Query requests for Amazon EC2",
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/Query-Requests.html; docs/aws-facts.md, sections
 * 2 and 3): `POST /`, `application/x-www-form-urlencoded`, `Action` and `Version` with the operation's
 * flattened parameters, which the callers name as each service's SDK client serializes them (EC2 flattens
 * every list as `Name.N` under its query name, `IpPermissions.1.Groups.1.GroupId`; awsQuery lists are
 * `Name.member.N`). The reply is XML: EC2's members sit in `<ActionResponse>`, ElastiCache's in
 * `<ActionResponse><ActionResult>`; an error is `<Response><Errors><Error><Code>` (EC2) or
 * `<ErrorResponse><Error><Code>` (ElastiCache), and becomes an AwsQueryError named by its code.
 *
 * The XML is read by @aws-sdk/xml-builder's parser: the SDK's own reader of these replies (what the
 * clients used), about 3 KB bundled, where fast-xml-parser is about 63 KB. It is marked internal to the
 * SDK, so package.json names it directly and the tests here fail if its output changes shape.
 */
import { parseXML } from '@aws-sdk/xml-builder';
import type { AwsConfig } from '../config.js';
import { signedTransport, withRetries } from './aws-json-call.js';

/** Retried like the SDK's standard mode: throttling (EC2's RequestLimitExceeded, Throttling), and 5xx. */
const RETRYABLE = /^(?:RequestLimitExceeded|Throttling|ThrottlingException|RequestThrottled|TooManyRequestsException)$/;

/**
 * The service answered with an error: its name is the AWS error code (InvalidPermission.Duplicate,
 * CacheClusterNotFound), as the grant drivers' error tables key on it (grant-errors.ts). Not a
 * CachegateError: the drivers turn it into one.
 */
export class AwsQueryError extends Error {
  constructor(
    operation: string,
    code: string,
    message: string,
    readonly httpStatus: number,
  ) {
    super(`${operation}: ${code}: ${message}`);
    this.name = code;
  }

  /** Throttling or the service's own failure: worth another attempt. */
  get retryable(): boolean {
    return RETRYABLE.test(this.name) || this.httpStatus >= 500;
  }
}

/** A parsed XML element: its text, or its children by name (a repeated child is an array). */
export type XmlValue = string | XmlObject;
export interface XmlObject {
  [name: string]: XmlValue | XmlValue[] | undefined;
}

/** The child `name` of `node` as an element (undefined when absent or when it holds only text). */
export function child(node: XmlValue | undefined, name: string): XmlObject | undefined {
  const value = typeof node === 'object' ? node[name] : undefined;
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'object' ? first : undefined;
}

/** The text of the child `name` of `node`, or undefined. */
export function text(node: XmlValue | undefined, name: string): string | undefined {
  const value = typeof node === 'object' ? node[name] : undefined;
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first : undefined;
}

/** The number in the child `name` of `node`, or undefined. */
export function integer(node: XmlValue | undefined, name: string): number | undefined {
  const value = text(node, name);
  return value === undefined || value === '' ? undefined : Number(value);
}

/** The entries `<item>` of the list `name` of `node`: one entry parses as a value, several as an array, none as the empty string. */
function entries(node: XmlValue | undefined, name: string, item: string): XmlValue[] {
  const values = child(node, name)?.[item];
  return Array.isArray(values) ? values : values === undefined ? [] : [values];
}

/** The element entries `<item>` of the list `name` of `node`. */
export function list(node: XmlValue | undefined, name: string, item: string): XmlObject[] {
  return entries(node, name, item).filter((entry): entry is XmlObject => typeof entry === 'object');
}

/** The text entries `<item>` of the list `name` of `node`. */
export function texts(node: XmlValue | undefined, name: string, item: string): string[] {
  return entries(node, name, item).filter((entry): entry is string => typeof entry === 'string');
}

/** Flattened parameters, as sent: `IpPermissions.1.FromPort` → 6379. Undefined ones are left out. */
export type QueryParameters = Record<string, string | number | boolean | undefined>;

export interface AwsQueryService {
  /** One call of `action`, signed and retried; the reply's members (EC2) or its `<ActionResult>` (awsQuery). */
  call(action: string, parameters: QueryParameters): Promise<XmlObject>;
}

/** The form body: encoded as the SDK encodes it (RFC 3986, `!'()*` escaped too). */
function formBody(parameters: QueryParameters): string {
  const encode = (value: string): string => encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return Object.entries(parameters)
    .filter((entry): entry is [string, string | number | boolean] => entry[1] !== undefined)
    .map(([name, value]) => `${encode(name)}=${encode(String(value))}`)
    .join('&');
}

/** The error in a reply that is not 200: its code and message, or the HTTP status when the body says nothing (a proxy). */
function errorOf(xml: string, status: number): { code: string; message: string } {
  let error: XmlObject | undefined;
  try {
    const reply = parseXML(xml) as XmlObject;
    error = child(child(child(reply, 'Response'), 'Errors'), 'Error') ?? child(child(reply, 'ErrorResponse'), 'Error');
  } catch {
    // Not XML: the status says enough.
  }
  return { code: text(error, 'Code') ?? `HTTP${status}`, message: text(error, 'Message') ?? `HTTP ${status}` };
}

/**
 * A Query service: `service` is its signing name and endpoint prefix (ec2, elasticache), `version` its API
 * version, `label` its name in error messages, `endpoint` the local endpoint's key. `protocol` says where
 * the reply's members are: `ec2` (in the Response element) or `awsQuery` (in its Result element).
 */
export function awsQueryService(
  service: string,
  version: string,
  protocol: 'ec2' | 'awsQuery',
  label: string,
  endpoint: keyof AwsConfig['endpoints'],
  timeouts = { connectionMs: 3000, requestMs: 5000 },
): AwsQueryService {
  const post = signedTransport(service, endpoint, timeouts);
  async function once(action: string, parameters: QueryParameters): Promise<XmlObject> {
    const { status, text: xml } = await post('/', { 'content-type': 'application/x-www-form-urlencoded' }, formBody({ Action: action, Version: version, ...parameters }));
    if (status !== 200) {
      const { code, message } = errorOf(xml, status);
      throw new AwsQueryError(`${label} ${action}`, code, message, status);
    }
    const reply = child(parseXML(xml) as XmlObject, `${action}Response`);
    return (protocol === 'ec2' ? reply : child(reply, `${action}Result`)) ?? {};
  }
  return {
    call: (action, parameters) => withRetries(() => once(action, parameters), 3, (error) => (error instanceof AwsQueryError ? error.retryable : true)),
  };
}
