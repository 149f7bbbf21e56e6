/**
 * The product's own CloudWatch metrics, in the embedded metric format (Powertools Metrics): one JSON log
 * line per data point, which CloudWatch turns into a metric. Dimensions stay low-cardinality (a channel,
 * a mode), never a request id. Alarms in serverless.yml watch these names with the same dimension set:
 * Powertools adds `service` to every metric.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { metricsConfig } from '../config.js';

export const SERVICE_NAME = 'cachegate';

let metrics: Metrics | undefined;
const instance = (): Metrics => (metrics ??= new Metrics({ namespace: metricsConfig().namespace, serviceName: SERVICE_NAME }));

/** Publishes one count now, with its own dimensions (a single-metric line, so concurrent ones never mix). */
export function countMetric(name: string, dimensions: Record<string, string> = {}, value = 1): void {
  const single = instance().singleMetric();
  for (const [key, dimension] of Object.entries(dimensions)) single.addDimension(key, dimension);
  single.addMetric(name, MetricUnit.Count, value);
}

/** Publishes one duration in seconds now (e.g. the age of the oldest request waiting for approval). */
export function secondsMetric(name: string, seconds: number, dimensions: Record<string, string> = {}): void {
  const single = instance().singleMetric();
  for (const [key, dimension] of Object.entries(dimensions)) single.addDimension(key, dimension);
  single.addMetric(name, MetricUnit.Seconds, seconds);
}
