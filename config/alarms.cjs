/**
 * `${file(./config/alarms.cjs)}` in serverless.yml's resources: the CloudWatch alarms (README, "Operating"),
 * built from the two lists below. Each alarm notifies AlarmTopic (serverless.yml). A new function goes into
 * one of FUNCTION_GROUPS (the template tests fail while a function is unwatched); a new metric is one entry
 * in METRIC_ALARMS.
 * CommonJS because osls loads resolver files with require().
 */

const PERIOD_SECONDS = 300;

/** The grant modes: the `mode` dimension of the request metrics. */
const MODES = ['classic', 'vpc'];

/**
 * Lambda Errors and Throttles: per group, one alarm per metric summing the group's functions (metric math).
 * CloudWatch takes at most 10 metrics per alarm, hence groups; the split also separates what people see fail
 * (a 500) from what the workflow or the queue retries. The function is in the metric's graph.
 */
const FUNCTION_GROUPS = [
  {
    id: 'HttpFunction',
    name: 'http-function',
    label: 'the HTTP functions',
    Errors: "An HTTP API function failed (the caller got a 500). See the function's logs.",
    Throttles: 'An HTTP API function was throttled (the caller got a 500 or 429).',
    functions: [
      'createRequest',
      'getRequest',
      'listRequests',
      'showApproval',
      'decideApproval',
      'cancelRequest',
      'revokeRequest',
      'extendRequest',
      'slackInteractions',
    ],
  },
  {
    id: 'WebFunction',
    name: 'web-function',
    label: "the web app's functions",
    Errors: "A web app route's function failed (the caller got a 500). See the function's logs.",
    Throttles: "A web app route's function was throttled (the caller got a 500 or 429).",
    functions: ['listTargets', 'decideRequest', 'auditRequests'],
  },
  {
    id: 'TaskFunction',
    name: 'task-function',
    label: 'the task functions',
    Errors: 'A workflow task function failed (Step Functions retries it, or ends the request as FAILED).',
    Throttles: 'A workflow task function was throttled (Step Functions retries Lambda.TooManyRequestsException).',
    functions: [
      'recordRequest',
      'waitForApproval',
      'remindApprovers',
      'grantIngress',
      'checkGrantStatus',
      'revokeIngress',
      'finishRequest',
      'checkAccess',
      'holdAccess',
      'deliverNotifications',
    ],
  },
  {
    id: 'ReconcilerFunction',
    name: 'reconciler-function',
    label: 'the reconciler',
    Errors: "The reconciler failed outright (README, \"Reconciler\"). See its logs.",
    // Reserved concurrency 1: a throttle is a run still going when the schedule fired again.
    Throttles: 'The reconciler was throttled: a run was still going when its schedule fired again (reconcileSchedule too tight?).',
    functions: ['reconcileGrants'],
  },
];

/**
 * One alarm per metric, firing on the first 5-minute period with at least one. `metric`: from one of the
 * helpers below; `sumOver`: one dimension's values, each its own metric, summed by metric math.
 */
const METRIC_ALARMS = [
  // Every path of the workflow ends in a Notify state; an execution fails only when the final status could not
  // be stored (Outcome not recorded) or something unplanned happened. Either needs a person.
  { id: 'StateMachineFailedAlarm', name: 'executions-failed', metric: stateMachine('ExecutionsFailed'), description: "An access request's workflow failed; its request may be stuck in a non-final status." },
  { id: 'StateMachineTimedOutAlarm', name: 'executions-timed-out', metric: stateMachine('ExecutionsTimedOut'), description: "An access request's workflow timed out." },
  // A notification given up after more than an hour of retries (or refused for good): people were not told.
  // The consumer counts it in the product's own metric (EMF, functions/adapters/metrics.ts).
  // `events`: a status change EventBridge was not told of (docs/events.md).
  { id: 'NotificationsGivenUpAlarm', name: 'notifications-given-up', metric: product('NotificationsGivenUp'), sumOver: { channel: ['email', 'slack', 'events', 'unknown'] }, label: 'Notifications given up', description: "A notification or status change event could not be delivered after retrying for over an hour; the request's history names who was not told." },
  // Requests that ended FAILED (AWS refused the grant, it never took effect, the workflow could not start), and
  // grants that had to be taken back because they never took effect. Counted where each status change is
  // published (functions/domain/status-events.ts), per mode.
  { id: 'RequestsFailedAlarm', name: 'requests-failed', metric: product('RequestsByOutcome', { outcome: 'FAILED' }), sumOver: { mode: MODES }, label: 'Requests failed', description: "A request ended FAILED; its history and failureReason say why." },
  { id: 'GrantsCleanedUpAlarm', name: 'grants-cleaned-up', metric: product('GrantsCleanedUp'), sumOver: { mode: MODES }, label: 'Grants cleaned up', description: 'A grant never took effect in AWS and was taken back ("Clean up grant"); its request ended FAILED.' },
  // Messages the consumer kept failing on (crashes, not sink outages: those are retried and given up in the
  // consumer) land in the dead-letter queue.
  // The reconciler's findings (README, "Reconciler"): drift from what cachegate recorded, found and repaired;
  // people should know why. Its errors: something it could not repair (a revoke refused again, AWS unreachable).
  { id: 'AccessRemovedOutsideAlarm', name: 'access-removed-outside', metric: product('AccessRemovedOutside'), description: 'The reconciler ended access whose grant was removed outside cachegate. Its logs name the requests.' },
  { id: 'OrphanGrantsRevokedAlarm', name: 'orphan-grants-revoked', metric: product('OrphanGrantsRevoked'), description: 'The reconciler revoked a grant no request held (an orphan, or a clean-up left pending). Its logs name each one.' },
  { id: 'StuckRevokesRetriedAlarm', name: 'stuck-revokes-retried', metric: product('StuckRevokesRetried'), description: 'The reconciler retried a revoke left REVOKING by its workflow. Its logs name the requests.' },
  { id: 'OverdueAccessEndedAlarm', name: 'overdue-access-ended', metric: product('OverdueAccessEnded'), description: 'The reconciler ended access past its end whose workflow was over (its hold failed).' },
  // The reconciler reports the oldest request waiting for approval on each run. Past every approval window
  // (param pendingApprovalAlarmHours: the longest window in the policy, plus a margin) its workflow should
  // have expired it: the wait is stuck, and the requester waits on nobody.
  {
    id: 'PendingApprovalOverdueAlarm',
    name: 'pending-approval-overdue',
    metric: product('OldestPendingApprovalAgeSeconds'),
    statistic: 'Maximum',
    above: ({ pendingApprovalAlarmHours }) => pendingApprovalAlarmHours * 3600,
    description: 'A request has waited for approval longer than any approval window allows (pendingApprovalAlarmHours); its workflow did not expire it. Find it with GET /requests?status=PENDING_APPROVAL and look at its execution.',
  },
  { id: 'ReconcileErrorsAlarm', name: 'reconciler-errors', metric: product('ReconcileErrors'), description: 'The reconciler could not repair something (a revoke refused again, AWS unreachable). See its logs.' },
  { id: 'NotificationDeadLettersAlarm', name: 'notification-dead-letters', metric: deadLetters('NotificationDeadLetterQueue'), statistic: 'Maximum', description: 'Notification messages reached the dead-letter queue; deliverNotifications kept failing on them. See its logs.' },
];

/** A metric of the access-request state machine (AWS/States). */
function stateMachine(name) {
  return () => ({ Namespace: 'AWS/States', MetricName: name, Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: 'AccessRequestStateMachine' } }] });
}

/**
 * A metric of the product's own namespace, with the `service` dimension Powertools adds to each (its service
 * name is ours) and any fixed dimensions of its own; `sumOver` adds one more, per value.
 */
function product(name, dimensions = {}) {
  return ({ service, stage }) => ({
    Namespace: `${service}/${stage}`,
    MetricName: name,
    Dimensions: [{ Name: 'service', Value: service }, ...Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value }))],
  });
}

/** The messages waiting in a dead-letter queue of this stack. */
function deadLetters(queueLogicalId) {
  return () => ({ Namespace: 'AWS/SQS', MetricName: 'ApproximateNumberOfMessagesVisible', Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueLogicalId, 'QueueName'] } }] });
}

/** The framework's logical id prefix for a function key (its naming: first letter up, `-` Dash, `_` Underscore). */
const functionPrefix = (key) => `${key[0].toUpperCase()}${key.slice(1)}`.replace(/-/g, 'Dash').replace(/_/g, 'Underscore');

/**
 * What every alarm shares: it fires on the first breaching period (a count of at least one, or a value
 * `above` a threshold) and treats silence as fine.
 */
const alarm = (name, description, metric, above) => ({
  Type: 'AWS::CloudWatch::Alarm',
  Properties: {
    AlarmName: name,
    AlarmDescription: description,
    ...metric,
    EvaluationPeriods: 1,
    Threshold: above ?? 1,
    ComparisonOperator: above === undefined ? 'GreaterThanOrEqualToThreshold' : 'GreaterThanThreshold',
    TreatMissingData: 'notBreaching',
    AlarmActions: [{ Ref: 'AlarmTopic' }],
  },
});

/** Metric math: the sum of the given metrics (`[{ id, metric }]`), each summed over the period. */
const sumOf = (label, parts) => ({
  Metrics: [
    { Id: 'total', Expression: 'SUM(METRICS())', Label: label, ReturnData: true },
    ...parts.map(({ id, metric }) => ({ Id: id.replace(/[^A-Za-z0-9_]/g, '_'), ReturnData: false, MetricStat: { Metric: metric, Period: PERIOD_SECONDS, Stat: 'Sum' } })),
  ],
});

const generate = async ({ resolveVariable }) => {
  const stack = { service: await resolveVariable('self:service'), stage: await resolveVariable('sls:stage') };
  const pendingApprovalAlarmHours = Number(await resolveVariable('param:pendingApprovalAlarmHours'));
  if (!(pendingApprovalAlarmHours > 0)) throw new Error('param pendingApprovalAlarmHours must be a number of hours above 0');
  const alarmName = (name) => `${stack.service}-${stack.stage}-${name}`;
  const resources = {};

  for (const group of FUNCTION_GROUPS) {
    for (const metric of ['Errors', 'Throttles']) {
      const parts = group.functions.map((key) => ({
        id: key,
        metric: { Namespace: 'AWS/Lambda', MetricName: metric, Dimensions: [{ Name: 'FunctionName', Value: { Ref: `${functionPrefix(key)}LambdaFunction` } }] },
      }));
      resources[`${group.id}${metric}Alarm`] = alarm(alarmName(`${group.name}-${metric.toLowerCase()}`), group[metric], sumOf(`${metric} of ${group.label}`, parts));
    }
  }

  for (const { id, name, metric, sumOver, label, statistic = 'Sum', above, description } of METRIC_ALARMS) {
    const base = metric(stack);
    if (sumOver) {
      const [[dimension, values]] = Object.entries(sumOver);
      const parts = values.map((value) => ({ id: value, metric: { ...base, Dimensions: [...base.Dimensions, { Name: dimension, Value: value }] } }));
      resources[id] = alarm(alarmName(name), description, sumOf(label, parts));
    } else {
      resources[id] = alarm(alarmName(name), description, { ...base, Statistic: statistic, Period: PERIOD_SECONDS }, above?.({ pendingApprovalAlarmHours }));
    }
  }

  return { Resources: resources };
};

module.exports = generate;
// The dashboard (config/dashboard.cjs) shows what the alarms watch.
module.exports.FUNCTION_GROUPS = FUNCTION_GROUPS;
module.exports.MODES = MODES;
module.exports.functionPrefix = functionPrefix;
