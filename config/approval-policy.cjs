/**
 * `${file(./config/approval-policy.cjs)}` in serverless.yml: the approval policy as one line of JSON
 * text, the form the APPROVAL_POLICY variable takes (a `${file()}` of the .json would give an object).
 * CommonJS because the Serverless Framework v3 loads resolver files with require().
 */
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

module.exports = () => {
  const file = join(__dirname, 'approval-policy.json');
  const policy = JSON.parse(readFileSync(file, 'utf8'));
  if (typeof policy !== 'object' || policy === null || Array.isArray(policy)) {
    throw new Error(`${file} must hold a JSON object`);
  }
  const text = JSON.stringify(policy);
  // Lambda allows 4 KB of environment variables per function, all of them together.
  if (Buffer.byteLength(text) > 3584) {
    throw new Error(`${file} is ${Buffer.byteLength(text)} bytes as one line of JSON; APPROVAL_POLICY must stay under 3.5 KB (Lambda's 4 KB environment limit)`);
  }
  return text;
};
