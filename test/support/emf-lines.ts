/**
 * The product's metrics as the local stack emits them: Powertools Metrics writes each data point as one
 * EMF JSON line on the function's stdout (CloudWatch Logs turns those into metrics in AWS), and locally
 * the functions' stdout is shown in this process (at debug, which the test suite asks for). `captureEmf()` keeps every such line from now on; `alarmMetrics()`
 * reads the alarms config/alarms.cjs generates, so a test can hold each alarm to a line actually emitted.
 */
import { createRequire } from 'node:module';

export interface EmfLine {
  namespace: string;
  /** The line's dimension set (Powertools adds `service`), and each dimension's value. */
  dimensions: Record<string, string>;
  metrics: Record<string, { unit: string; value: number }>;
}

export interface EmfCapture {
  lines: EmfLine[];
  /** The lines carrying `metric`. */
  of(metric: string): EmfLine[];
  stop(): void;
}

function parse(text: string): EmfLine[] {
  const lines: EmfLine[] = [];
  for (const line of text.split('\n')) {
    if (!line.includes('"_aws"')) continue;
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    const directive = (record._aws as { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] }).CloudWatchMetrics[0];
    if (!directive) continue;
    const names = directive.Dimensions[0] ?? [];
    lines.push({
      namespace: directive.Namespace,
      dimensions: Object.fromEntries(names.map((name) => [name, String(record[name])])),
      metrics: Object.fromEntries(directive.Metrics.map((m) => [m.Name, { unit: m.Unit, value: Number(record[m.Name]) }])),
    });
  }
  return lines;
}

export function captureEmf(): EmfCapture {
  const lines: EmfLine[] = [];
  const stream = process.stdout;
  const write = stream.write;
  stream.write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]): boolean {
    const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : '';
    const found = parse(text);
    if (found.length === 0) return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
    lines.push(...found);
    const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
    callback?.();
    return true;
  } as typeof stream.write;
  return {
    lines,
    of: (metric) => lines.filter((line) => metric in line.metrics),
    stop: () => {
      stream.write = write;
    },
  };
}

export interface AlarmMetric {
  alarm: string;
  namespace: string;
  metricName: string;
  dimensions: Record<string, unknown>;
}

/** Every metric each generated alarm watches (a metric-math alarm: each of its parts), for a stack and stage (the local stack's is dev: it runs what `serverless package --stage dev` makes). */
export async function alarmMetrics(service = 'cachegate', stage = 'dev'): Promise<AlarmMetric[]> {
  const generate = createRequire(__filename)('../../config/alarms.cjs') as (context: { resolveVariable: (name: string) => Promise<string> }) => Promise<{ Resources: Record<string, { Properties: Record<string, unknown> }> }>;
  const variables: Record<string, string> = { 'self:service': service, 'sls:stage': stage, 'param:pendingApprovalAlarmHours': '25' };
  const { Resources } = await generate({ resolveVariable: async (name) => variables[name] ?? `unknown variable ${name}` });
  const found: AlarmMetric[] = [];
  type Metric = { Namespace: string; MetricName: string; Dimensions?: { Name: string; Value: unknown }[] };
  const add = (alarm: string, metric: Metric): void => {
    found.push({ alarm, namespace: metric.Namespace, metricName: metric.MetricName, dimensions: Object.fromEntries((metric.Dimensions ?? []).map((d) => [d.Name, d.Value])) });
  };
  for (const [id, { Properties }] of Object.entries(Resources)) {
    if (Properties.MetricName) add(id, Properties as unknown as Metric);
    for (const part of (Properties.Metrics as { MetricStat?: { Metric: Metric } }[] | undefined) ?? []) if (part.MetricStat) add(id, part.MetricStat.Metric);
  }
  return found;
}

/**
 * The alarm metrics with no emitted line of the same namespace, metric name and dimension set (the names; and
 * the `service` value). A metric-math alarm's parts differ only in one dimension's value (a channel, a mode):
 * each part's set is the set of the line that carries any of them.
 */
export function unmatched(alarms: AlarmMetric[], lines: EmfLine[]): AlarmMetric[] {
  const names = (dimensions: Record<string, unknown>): string => JSON.stringify(Object.keys(dimensions).sort());
  return alarms.filter(
    (alarm) =>
      !lines.some(
        (line) =>
          line.namespace === alarm.namespace &&
          alarm.metricName in line.metrics &&
          names(line.dimensions) === names(alarm.dimensions) &&
          line.dimensions.service === alarm.dimensions.service,
      ),
  );
}
