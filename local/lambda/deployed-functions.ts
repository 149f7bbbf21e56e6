/**
 * The packaged template's functions, set up locally as deployed: each with the environment the template
 * gives it and the statements of its own role; and the state machine's role. Everything comes from the
 * template, so a function added to serverless.yml runs locally with no edit here.
 *
 * Locally a variable's value may differ (parameters, references, the policy and Slack settings a test
 * injects), never whether it is there: `parameterValues` replace values only of variables the template sets
 * for that function. `localOnly` adds what Lambda or the local stack itself provides (region, credentials,
 * endpoints, log level, the grant schedule tests shorten); nothing else is added.
 */
import { checkStatements, type Principal } from '../iam/policy.js';
import type { LocalIam } from '../iam/access.js';
import type { Bundles } from './bundles.js';
import type { CfnResolver, CfnResource, CfnTemplate } from './cloudformation.js';
import { type FunctionError, LocalFunction } from './local-function.js';
import { functionLogicalId, type PackagedFunction, type PackagedService } from './packaged-service.js';

/** Variables the local stack may add to a function's environment: never application settings. */
export const LOCAL_ONLY_VARIABLES = /^(AWS_[A-Z_]+|TZ|[A-Z0-9]+_ENDPOINT|SLACK_API_URL|LOG_LEVEL|GRANT_[A-Z_]+|(EMAIL|SLACK)_ATTEMPT_TIMEOUT_MS|POLICY_MINUTE_MS)$/;

export interface DeployedFunction {
  definition: PackagedFunction;
  logicalId: string;
  principal: Principal;
  runtime: LocalFunction;
}

function roleOf(template: CfnTemplate, roleRef: unknown, owner: string): { id: string; role: CfnResource } {
  const ref = roleRef as { 'Fn::GetAtt'?: [string, string] } | undefined;
  const id = ref?.['Fn::GetAtt']?.[0];
  const role = id ? template.Resources[id] : undefined;
  if (!id || role?.Type !== 'AWS::IAM::Role') throw new Error(`${owner}: its role is not a role of this template (${JSON.stringify(roleRef)}); the local stack cannot know its permissions`);
  return { id, role };
}

/** The principal of a role of the template: its inline statements, resolved and checked. */
export async function principalOf(template: CfnTemplate, resolver: CfnResolver, roleRef: unknown, name: string, sessionName: string): Promise<Principal> {
  const owner = `${name} (role)`;
  const { id, role } = roleOf(template, roleRef, owner);
  const props = role.Properties ?? {};
  if (Array.isArray(props.ManagedPolicyArns) && props.ManagedPolicyArns.length > 0) {
    throw new Error(`${owner}: managed policies (${JSON.stringify(props.ManagedPolicyArns)}) are not evaluated by the local stack; use inline statements`);
  }
  const statements: unknown[] = [];
  for (const policy of (props.Policies ?? []) as { PolicyDocument?: { Statement?: unknown } }[]) {
    const resolved = resolver.resolve(policy.PolicyDocument?.Statement ?? [], `${owner} ${id}`);
    statements.push(...(Array.isArray(resolved) ? resolved : [resolved]));
  }
  const roleName = props.RoleName === undefined ? id : String(resolver.resolve(props.RoleName, `${owner} RoleName`));
  return { name, roleName, sessionName, statements: await checkStatements(name, statements) };
}

export interface DeployedFunctionsOptions {
  service: PackagedService;
  resolver: CfnResolver;
  iam: LocalIam;
  bundles: Bundles;
  parameterValues: Record<string, string>;
  localOnly: Record<string, string | undefined>;
}

const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'];

export async function deployedFunctions({ service, resolver, iam, bundles, parameterValues, localOnly }: DeployedFunctionsOptions): Promise<Map<string, DeployedFunction>> {
  const functions = new Map<string, DeployedFunction>();
  // Functions log warnings at least, so that an error they survive (a notification that failed for want of
  // a setting) is still seen here; only lines at the level asked for are shown.
  const shownLevel = LOG_LEVELS.indexOf(localOnly.LOG_LEVEL ?? 'info');
  const functionLogLevel = LOG_LEVELS[Math.min(shownLevel, LOG_LEVELS.indexOf('warn'))];
  for (const definition of service.functions) {
    const logicalId = functionLogicalId(definition.key);
    const resource = service.template.Resources[logicalId];
    if (resource?.Type !== 'AWS::Lambda::Function') throw new Error(`${definition.key}: no ${logicalId} in the packaged template`);
    const props = resource.Properties ?? {};
    const functionName = String(resolver.resolve({ Ref: logicalId }, definition.key));
    const principal = await principalOf(service.template, resolver, props.Role, definition.key, functionName);
    const deployed = resolver.resolve((props.Environment as { Variables?: unknown } | undefined)?.Variables ?? {}, `${definition.key} environment`) as Record<string, unknown>;
    const environment: Record<string, string> = {};
    for (const [name, value] of Object.entries(deployed)) environment[name] = parameterValues[name] ?? String(value);
    const credentials = iam.credentialsFor(principal);
    const added: Record<string, string | undefined> = {
      ...localOnly,
      LOG_LEVEL: functionLogLevel,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_LAMBDA_FUNCTION_NAME: functionName,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(props.MemorySize ?? 1024),
      TZ: ':UTC',
    };
    for (const [name, value] of Object.entries(added)) {
      if (!LOCAL_ONLY_VARIABLES.test(name)) throw new Error(`The local stack may not add ${name} to ${definition.key}: only what Lambda or the local stack provides`);
      if (value !== undefined) environment[name] = value;
    }
    const handler = definition.handler;
    const runtime = new LocalFunction(
      {
        key: definition.key,
        functionName,
        arn: String(resolver.resolve({ 'Fn::GetAtt': [logicalId, 'Arn'] }, definition.key)),
        environment,
        timeoutSeconds: Number(props.Timeout ?? 6),
        memorySize: Number(props.MemorySize ?? 1024),
        bundle: bundles.files[definition.key] ?? '',
        exportName: handler.slice(handler.lastIndexOf('.') + 1),
        workerFile: bundles.worker,
      },
      {
        // A setting the function needs but was not deployed with: the deployed function would fail the same way.
        onError: (error: FunctionError) => {
          if (error.name === 'ConfigError') iam.report(`${definition.key} (${functionName}) failed on its configuration: ${error.message}`);
        },
        onLogLine: (line: string) => {
          // A ConfigError logged whole, or its message logged alone (functions/config.ts names the variable).
          const message = /"name":"ConfigError",(?:"location":"(?:[^"\\]|\\.)*",)?"message":"((?:[^"\\]|\\.)*)"/.exec(line)?.[1] ?? /"((?:Environment variable [A-Z0-9_]+ |[^"]* is not configured: set )(?:[^"\\]|\\.)*)"/.exec(line)?.[1];
          if (message !== undefined) iam.report(`${definition.key} (${functionName}) failed on its configuration: ${message}`);
          // Metrics (embedded metric format lines) are debug output here: CloudWatch reads them in AWS. Powertools
          // Logger writes its levels in capitals, and has TRACE and CRITICAL besides.
          const written = /^\{"level":"([A-Za-z]+)"/.exec(line)?.[1]?.toLowerCase();
          const level = line.startsWith('{"_aws":') ? 'debug' : ({ trace: 'debug', critical: 'error' } as Record<string, string>)[written ?? ''] ?? written;
          return level === undefined || LOG_LEVELS.indexOf(level) >= shownLevel;
        },
      },
    );
    functions.set(definition.key, { definition, logicalId, principal, runtime });
  }
  return functions;
}
