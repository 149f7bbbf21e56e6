/**
 * `${file(./config/reconcile-schedule.cjs)}` in serverless.yml: the reconciler's schedule, from the
 * `reconcileSchedule` parameter, checked when packaging so a typo fails `serverless package`, not the
 * deployment. EventBridge takes `rate(<n> <unit>)` (minute for 1, minutes otherwise; likewise hours, days)
 * or `cron(<6 fields>)`.
 */
const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const CRON = /^cron\(\S+( \S+){5}\)$/;

function check(expression) {
  const rate = RATE.exec(expression);
  if (rate) {
    const value = Number(rate[1]);
    const unit = rate[2];
    if (value < 1) throw new Error(`reconcileSchedule "${expression}": the rate must be at least 1`);
    if ((value === 1) !== !unit.endsWith('s')) throw new Error(`reconcileSchedule "${expression}": write rate(1 ${unit.replace(/s$/, '')}) or rate(${value} ${unit.replace(/s?$/, 's')})`);
    return expression;
  }
  if (CRON.test(expression)) return expression;
  throw new Error(`reconcileSchedule "${expression}" is not an EventBridge schedule expression: use rate(5 minutes) or cron(0/5 * * * ? *)`);
}

module.exports = async ({ resolveVariable }) => check(String(await resolveVariable('param:reconcileSchedule')).trim());
module.exports.check = check;
