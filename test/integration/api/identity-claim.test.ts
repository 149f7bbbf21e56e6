/**
 * A deployment configured for an issuer whose access tokens name the user in another claim and carry no
 * email_verified (Entra ID's `upn`, say): IDENTITY_CLAIM=upn, REQUIRE_VERIFIED_EMAIL=false. The default
 * (`email`, verified required) is covered with the hostile input.
 */
import { startLocalStack, type LocalStack } from '../../../local/stack.js';
import { call, type RequestBody } from '../workflow/local-api.js';

let stack: LocalStack;

const body = { cacheSecurityGroupName: 'default', ec2SecurityGroupName: 'upn-app', ec2SecurityGroupOwnerId: '987654321021', reason: 'identity claim check' };

beforeAll(async () => {
  stack = await startLocalStack({ emulator: { propagationDelayMs: 0 }, identity: { claim: 'upn', requireVerifiedEmail: false } });
});

afterAll(async () => {
  await stack?.stop();
});

it('the requester is the configured claim, lowercased; a token without email_verified is accepted', async () => {
  const token = await stack.authorizer.issue('ignored@example.com', { claims: { email: undefined, email_verified: undefined, upn: 'Alice@Example.com' } });
  const reply = await call<RequestBody>(stack, 'POST', '/requests', { as: token, json: body });
  expect(reply.status).toBe(202);
  const stored = await call<RequestBody>(stack, 'GET', `/requests/${reply.body.id}`, { as: token });
  expect(stored.body.requester).toBe('alice@example.com');
});

it('a token that says email_verified false is still refused', async () => {
  const token = await stack.authorizer.issue('x@example.com', { claims: { upn: 'dave@example.com', email_verified: false } });
  const reply = await call(stack, 'GET', '/requests', { as: token });
  expect(reply.status).toBe(403);
  expect((reply.body as { message: string }).message).toMatch(/not verified/);
});

it('a token without the configured claim is refused, naming it', async () => {
  const token = await stack.authorizer.issue('carol@example.com');
  const reply = await call(stack, 'GET', '/requests', { as: token });
  expect(reply.status).toBe(403);
  expect((reply.body as { message: string }).message).toContain('"upn"');
});
