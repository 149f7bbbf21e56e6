/**
 * Reading a Query API request (form-encoded, order-free) and the one error type operations throw.
 * Both services flatten lists as `<Name>.<n>` (EC2) or `<Name>.<item>.<n>` (awsQuery); `indexed`
 * collects either shape without caring about parameter order or gaps.
 */

/** An AWS error answer: the wire code, the HTTP status and a message. Operations throw it; the router writes it. */
export class AwsApiError extends Error {
  override name = 'AwsApiError';
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** How a service words a missing required parameter (ElastiCache and EC2 differ). */
export type MissingParameterError = (name: string) => AwsApiError;

export const missingParameter: MissingParameterError = (name) => new AwsApiError('MissingParameter', `The request must contain the parameter ${name}`);

export class QueryParams {
  readonly #values: Map<string, string>;
  readonly #missing: MissingParameterError;

  constructor(values: URLSearchParams, missing: MissingParameterError = missingParameter) {
    // The last value wins for a repeated key.
    this.#values = new Map(values.entries());
    this.#missing = missing;
  }

  /** The same parameters, with another service's wording for a missing one. */
  withMissingParameterError(missing: MissingParameterError): QueryParams {
    return new QueryParams(new URLSearchParams([...this.#values]), missing);
  }

  get action(): string | undefined {
    return this.optional('Action');
  }

  get version(): string | undefined {
    return this.optional('Version');
  }

  optional(name: string): string | undefined {
    return this.#values.get(name);
  }

  /** A required, non-empty parameter; the SDK does not check required members, so the emulator must. */
  required(name: string): string {
    const value = this.#values.get(name);
    if (value === undefined || value === '') throw this.#missing(name);
    return value;
  }

  /** An optional integer parameter within [min, max]; InvalidParameterValue otherwise. */
  integer(name: string, range: { min: number; max: number }): number | undefined {
    const raw = this.#values.get(name);
    if (raw === undefined || raw === '') return undefined;
    if (!/^-?\d+$/.test(raw)) throw new AwsApiError('InvalidParameterValue', `Invalid value '${raw}' for ${name}: must be an integer`);
    const value = Number(raw);
    if (value < range.min || value > range.max) {
      throw new AwsApiError('InvalidParameterValue', `Invalid value '${raw}' for ${name}: must be between ${range.min} and ${range.max}`);
    }
    return value;
  }

  boolean(name: string): boolean {
    const raw = this.#values.get(name);
    if (raw === undefined || raw === '') return false;
    if (raw !== 'true' && raw !== 'false') throw new AwsApiError('InvalidParameterValue', `Invalid value '${raw}' for ${name}: must be true or false`);
    return raw === 'true';
  }

  /**
   * The members of a flattened list, in index order: for prefix `IpPermissions` the sub-parameters of
   * `IpPermissions.1.*`, `IpPermissions.2.*`, … each as a QueryParams relative to the item, and for a
   * list of scalars (`SecurityGroupRuleId.1=…`) the value under the empty name "".
   */
  indexed(prefix: string): QueryParams[] {
    const items = new Map<number, URLSearchParams>();
    const head = `${prefix}.`;
    for (const [key, value] of this.#values) {
      if (!key.startsWith(head)) continue;
      const rest = key.slice(head.length);
      const match = /^(\d+)(?:\.(.*))?$/.exec(rest);
      if (!match) continue;
      const index = Number(match[1]);
      let item = items.get(index);
      if (!item) items.set(index, (item = new URLSearchParams()));
      item.set(match[2] ?? '', value);
    }
    return [...items.entries()].sort(([a], [b]) => a - b).map(([, item]) => new QueryParams(item, (name) => this.#missing(`${head}n.${name}`)));
  }

  /** The values of a flattened list of strings, e.g. `SecurityGroupRuleId.1`, `SecurityGroupRuleId.2`. */
  strings(prefix: string): string[] {
    return this.indexed(prefix).flatMap((item) => {
      const value = item.optional('');
      return value === undefined ? [] : [value];
    });
  }

  has(name: string): boolean {
    return this.#values.has(name);
  }

  /** Whether any parameter starts with `prefix.` (a list or structure was sent). */
  hasPrefix(prefix: string): boolean {
    return [...this.#values.keys()].some((key) => key.startsWith(`${prefix}.`));
  }
}

/** Opaque paging tokens: base64url JSON, so a client cannot make one up by accident. */
export function encodeToken(position: string): string {
  return Buffer.from(JSON.stringify({ after: position }), 'utf8').toString('base64url');
}

export function decodeToken(token: string, parameter: string): string {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (parsed && typeof parsed === 'object' && 'after' in parsed && typeof parsed.after === 'string') return parsed.after;
  } catch {
    // fall through to the AWS-style complaint below
  }
  throw new AwsApiError('InvalidParameterValue', `Invalid ${parameter}: '${token}'`);
}

/** One page of `items` (already in a stable order) after the position in `token`. */
export function pageOf<T>(items: readonly T[], keyOf: (item: T) => string, max: number, token: string | undefined, parameter: string): { page: T[]; next?: string } {
  let start = 0;
  if (token !== undefined && token !== '') {
    const after = decodeToken(token, parameter);
    start = items.findIndex((item) => keyOf(item) > after);
    if (start < 0) start = items.length;
  }
  const page = items.slice(start, start + max);
  const last = page.at(-1);
  return { page, next: start + max < items.length && last !== undefined ? encodeToken(keyOf(last)) : undefined };
}
