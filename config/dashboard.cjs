/**
 * `${file(./config/dashboard.cjs)}` in serverless.yml's resources: one CloudWatch dashboard,
 * `<service>-<stage>`, of the product's own metrics (EMF, functions/adapters/metrics.ts) and of what AWS
 * measures for it: requests submitted and by outcome, time to decision and from approval to ACTIVE, the
 * oldest request waiting for approval, clean-ups, notifications given up and the reconciler's findings;
 * executions by status; the functions' errors, throttles and duration. Each product metric is drawn with the
 * dimension set it is emitted with (`service` first, which Powertools adds), as the alarms watch it.
 * CommonJS because osls loads resolver files with require().
 */
const { FUNCTION_GROUPS, MODES, functionPrefix } = require('./alarms.cjs');

const PERIOD_SECONDS = 300;
/** The final statuses: the `outcome` dimension of RequestsByOutcome (functions/domain/request-transitions.ts). */
const OUTCOMES = ['ENDED', 'DENIED', 'EXPIRED', 'FAILED', 'CANCELLED'];
const CHANNELS = ['email', 'slack', 'events', 'unknown'];
const RECONCILER_FINDINGS = ['AccessRemovedOutside', 'OrphanGrantsRevoked', 'StuckRevokesRetried', 'OverdueAccessEnded', 'ReconcileErrors'];
const EXECUTION_STATUSES = ['ExecutionsStarted', 'ExecutionsSucceeded', 'ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted'];

const widgets = [];
/** Two widgets a row, each 12 wide and 6 high. */
function metricWidget(title, metrics, properties = {}) {
  const index = widgets.length;
  widgets.push({
    type: 'metric',
    x: (index % 2) * 12,
    y: Math.floor(index / 2) * 6,
    width: 12,
    height: 6,
    properties: { title, region: '${AWS::Region}', view: 'timeSeries', stat: 'Sum', period: PERIOD_SECONDS, metrics, ...properties },
  });
}

module.exports = async ({ resolveVariable }) => {
  widgets.length = 0;
  const service = await resolveVariable('self:service');
  const stage = await resolveVariable('sls:stage');
  const namespace = `${service}/${stage}`;
  /** A product metric line: namespace, name, `service`, then its own dimensions (name, value…), then options. */
  const product = (name, dimensions = {}, options) => [
    namespace,
    name,
    'service',
    service,
    ...Object.entries(dimensions).flat(),
    ...(options ? [options] : []),
  ];
  const functions = FUNCTION_GROUPS.flatMap((group) => group.functions);
  const lambda = (metric, options) => functions.map((key) => ['AWS/Lambda', metric, 'FunctionName', `\${${functionPrefix(key)}LambdaFunction}`, { label: key, ...options }]);

  metricWidget('Requests submitted, and by outcome', [
    ...MODES.map((mode) => product('RequestsSubmitted', { mode }, { label: `submitted (${mode})` })),
    ...OUTCOMES.flatMap((outcome) => MODES.map((mode) => product('RequestsByOutcome', { mode, outcome }, { label: `${outcome} (${mode})` }))),
  ]);
  metricWidget('Time to decision, and from approval to ACTIVE (seconds)', [
    ...MODES.flatMap((mode) => ['p50', 'p90'].map((stat) => product('TimeToDecision', { mode }, { stat, label: `to decision ${stat} (${mode})` }))),
    ...MODES.flatMap((mode) => ['p50', 'p95'].map((stat) => product('TimeFromApprovalToActive', { mode }, { stat, label: `approval to ACTIVE ${stat} (${mode})` }))),
  ]);
  metricWidget('Oldest request waiting for approval (seconds; the reconciler, each run)', [product('OldestPendingApprovalAgeSeconds', {}, { stat: 'Maximum', label: 'age of the oldest PENDING_APPROVAL' })]);
  metricWidget('Grants cleaned up, notifications and events given up', [
    ...MODES.map((mode) => product('GrantsCleanedUp', { mode }, { label: `grants cleaned up (${mode})` })),
    ...CHANNELS.map((channel) => product('NotificationsGivenUp', { channel }, { label: `given up: ${channel}` })),
  ]);
  metricWidget("The reconciler's findings", RECONCILER_FINDINGS.map((name) => product(name)));
  metricWidget('Executions by status', EXECUTION_STATUSES.map((name) => ['AWS/States', name, 'StateMachineArn', '${AccessRequestStateMachine}', { label: name.replace('Executions', '') }]));
  metricWidget('Lambda errors', lambda('Errors'));
  metricWidget('Lambda throttles', lambda('Throttles'));
  metricWidget('Lambda duration p95 (ms)', lambda('Duration'), { stat: 'p95' });
  metricWidget('Lambda duration max (ms)', lambda('Duration'), { stat: 'Maximum' });

  return {
    Resources: {
      Dashboard: {
        Type: 'AWS::CloudWatch::Dashboard',
        Properties: {
          DashboardName: `${service}-${stage}`,
          // ${…} are filled in by Fn::Sub: the region, each function's name, the state machine's ARN.
          DashboardBody: { 'Fn::Sub': JSON.stringify({ widgets }) },
        },
      },
    },
  };
};
