/**
 * Resolves CloudFormation values (Ref, Fn::GetAtt, Fn::Sub, Fn::Join, Fn::Select, Fn::Split, Fn::If and
 * its conditions) of the packaged template against the local stack: what a reference points to differs
 * locally (a dynalite table, the local state machine, the local API's URL); the template's shape does not.
 * A value the local stack cannot resolve is an error naming where it was used.
 */

export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  Condition?: string;
}

export interface CfnTemplate {
  Conditions?: Record<string, unknown>;
  Resources: Record<string, CfnResource>;
}

export interface LocalResolution {
  region: string;
  account: string;
  stackName: string;
  /** Local values by logical id: `Ref` as `Id`, attributes as `Id.Attribute` (e.g. HttpApi.ApiEndpoint). */
  values: Record<string, string>;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The local Ref and attributes of each template resource a function may reference, by its type. */
export function localResourceValues(template: CfnTemplate, where: Omit<LocalResolution, 'values'>, given: Record<string, string>): Record<string, string> {
  const values: Record<string, string> = {};
  const arnBase = (service: string): string => `arn:aws:${service}:${where.region}:${where.account}`;
  for (const [id, resource] of Object.entries(template.Resources)) {
    const props = resource.Properties ?? {};
    const named = (key: string): string => (typeof props[key] === 'string' ? (props[key] as string) : `${where.stackName}-${id}`);
    switch (resource.Type) {
      case 'AWS::Lambda::Function':
        values[id] = named('FunctionName');
        values[`${id}.Arn`] = `${arnBase('lambda')}:function:${named('FunctionName')}`;
        break;
      case 'AWS::DynamoDB::Table':
        values[id] = given[id] ?? named('TableName');
        values[`${id}.Arn`] = `${arnBase('dynamodb')}:table/${values[id]}`;
        break;
      case 'AWS::StepFunctions::StateMachine':
        values[`${id}.Name`] = named('StateMachineName');
        values[id] = `${arnBase('states')}:stateMachine:${named('StateMachineName')}`;
        values[`${id}.Arn`] = values[id];
        break;
      case 'AWS::SNS::Topic':
        values[id] = `${arnBase('sns')}:${named('TopicName')}`;
        values[`${id}.TopicArn`] = values[id];
        break;
      case 'AWS::SQS::Queue':
        values[id] = given[id] ?? `https://sqs.${where.region}.amazonaws.com/${where.account}/${named('QueueName')}`;
        values[`${id}.QueueName`] = named('QueueName');
        values[`${id}.QueueUrl`] = values[id];
        values[`${id}.Arn`] = `${arnBase('sqs')}:${named('QueueName')}`;
        break;
      case 'AWS::Logs::LogGroup':
        values[id] = named('LogGroupName');
        values[`${id}.Arn`] = `${arnBase('logs')}:log-group:${named('LogGroupName')}:*`;
        break;
      case 'AWS::IAM::Role':
        values[`${id}.Arn`] = `arn:aws:iam::${where.account}:role/${id}`;
        break;
      default:
        break;
    }
  }
  return { ...values, ...given };
}

export class CfnResolver {
  constructor(
    private readonly template: CfnTemplate,
    private readonly local: LocalResolution,
  ) {}

  private lookup(name: string, where: string): string {
    const pseudo: Record<string, string> = {
      'AWS::Region': this.local.region,
      'AWS::AccountId': this.local.account,
      'AWS::Partition': 'aws',
      'AWS::URLSuffix': 'amazonaws.com',
      'AWS::StackName': this.local.stackName,
    };
    const value = pseudo[name] ?? this.local.values[name];
    if (value === undefined) throw new Error(`${where}: the local stack has no value for ${name}`);
    return value;
  }

  condition(name: string, where: string): boolean {
    const definition = this.template.Conditions?.[name];
    if (definition === undefined) throw new Error(`${where}: no condition ${name} in the template`);
    return this.truth(definition, where);
  }

  private truth(node: unknown, where: string): boolean {
    if (!isRecord(node)) throw new Error(`${where}: a condition must be a function, got ${JSON.stringify(node)}`);
    const [fn, args] = Object.entries(node)[0] ?? [];
    const list = Array.isArray(args) ? args : [args];
    switch (fn) {
      case 'Fn::Equals':
        return JSON.stringify(this.resolve(list[0], where)) === JSON.stringify(this.resolve(list[1], where));
      case 'Fn::Not':
        return !this.truth(list[0], where);
      case 'Fn::And':
        return list.every((item) => this.truth(item, where));
      case 'Fn::Or':
        return list.some((item) => this.truth(item, where));
      case 'Condition':
        return this.condition(String(args), where);
      default:
        throw new Error(`${where}: condition function ${String(fn)} is not supported locally`);
    }
  }

  private substitute(text: string, variables: Record<string, unknown>, where: string): string {
    return text.replace(/\$\{(!?)([^}]+)\}/g, (whole, literal: string, name: string) => {
      if (literal) return `\${${name}}`;
      if (name in variables) return String(this.resolve(variables[name], where));
      return this.lookup(name, where);
    });
  }

  resolve(node: unknown, where: string): unknown {
    if (Array.isArray(node)) return node.map((item) => this.resolve(item, where));
    if (!isRecord(node)) return node;
    const entries = Object.entries(node);
    const [fn, args] = entries[0] ?? [];
    if (entries.length !== 1 || (fn !== 'Ref' && !fn?.startsWith('Fn::'))) {
      return Object.fromEntries(entries.map(([key, value]) => [key, this.resolve(value, `${where}.${key}`)]));
    }
    switch (fn) {
      case 'Ref':
        return this.lookup(String(args), where);
      case 'Fn::GetAtt': {
        const [id, attribute] = Array.isArray(args) ? args.map(String) : String(args).split(/\.(.*)/);
        return this.lookup(`${id}.${attribute}`, where);
      }
      case 'Fn::Sub': {
        if (typeof args === 'string') return this.substitute(args, {}, where);
        const [text, variables] = args as [string, Record<string, unknown>];
        return this.substitute(text, variables ?? {}, where);
      }
      case 'Fn::Join': {
        const [separator, items] = args as [string, unknown[]];
        return (this.resolve(items, where) as unknown[]).map(String).join(separator);
      }
      case 'Fn::Select': {
        const [index, items] = args as [unknown, unknown];
        const list = this.resolve(items, where) as unknown[];
        return list[Number(this.resolve(index, where))];
      }
      case 'Fn::Split': {
        const [separator, text] = args as [string, unknown];
        return String(this.resolve(text, where)).split(separator);
      }
      case 'Fn::If': {
        const [condition, whenTrue, whenFalse] = args as [string, unknown, unknown];
        return this.resolve(this.condition(condition, where) ? whenTrue : whenFalse, where);
      }
      default:
        throw new Error(`${where}: ${fn} is not supported by the local stack`);
    }
  }
}
