/**
 * A local SSM Parameter Store endpoint (AWS JSON 1.1, `AmazonSSM.GetParameters`), serving the stack's
 * SecureStrings so that the code path used in AWS (SECRETS_SOURCE=ssm, @middy/ssm) runs in every test.
 * Each call is checked against the caller's role (ssm:GetParameters on each parameter's ARN). SecureStrings
 * are under the AWS managed key aws/ssm, whose key policy lets SSM decrypt for any principal of the account
 * that may read the parameter: no kms:Decrypt is checked (docs/local-stack.md).
 */
import { createServer, type Server } from 'node:http';
import { allowCall, type LocalIam } from './iam/access.js';
import { resourceArn } from './iam/policy.js';
import { readBody } from './http-gateway.js';
import { listenOnLoopback, type LoopbackServer } from './loopback-server.js';

export type LocalSsm = LoopbackServer;

function reply(res: import('node:http').ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.1' });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

export async function startLocalSsm(iam: LocalIam, secureStrings: Record<string, string>): Promise<LocalSsm> {
  const server: Server = createServer((req, res) => {
    void (async () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const body = JSON.parse((await readBody(req)).toString('utf8') || '{}') as { Names?: string[]; WithDecryption?: boolean };
      if (target !== 'AmazonSSM.GetParameters') {
        reply(res, 400, { __type: 'UnknownOperationException', message: `The local SSM answers GetParameters only, not ${target}` });
        return;
      }
      const names = body.Names ?? [];
      const where = { region: iam.region, account: iam.account };
      // Parameter names are ARN paths without their leading slash: parameter/cachegate/dev/x.
      const arns = await Promise.all(names.map((name) => resourceArn('ssm:GetParameters', 'parameter', { ParameterNameWithoutLeadingSlash: name.replace(/^\//, '') }, where)));
      if (!(await allowCall(iam, req, res, { action: 'ssm:GetParameters', resources: arns }))) return;
      const found = names.filter((name) => secureStrings[name] !== undefined);
      reply(res, 200, {
        Parameters: found.map((name, index) => ({
          Name: name,
          Type: 'SecureString',
          // Without WithDecryption, AWS returns the ciphertext.
          Value: body.WithDecryption ? secureStrings[name] : Buffer.from(`encrypted:${name}`).toString('base64'),
          Version: 1,
          ARN: arns[names.indexOf(name)] ?? String(index),
          DataType: 'text',
          LastModifiedDate: 0,
        })),
        InvalidParameters: names.filter((name) => secureStrings[name] === undefined),
      });
    })().catch((error: Error) => reply(res, 500, { __type: 'InternalServerError', message: error.message }));
  });
  return listenOnLoopback(server);
}
