/**
 * `${file(./config/approval-policy.cjs)}` in serverless.yml: the approval policy as one line of JSON
 * text, the value of the SSM parameter the functions read it from (a `${file()}` of the .json would give
 * an object). CommonJS because osls loads resolver files with require().
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
  // An SSM parameter holds at most 8 KB (advanced tier; Intelligent-Tiering picks it past the standard 4 KB).
  if (Buffer.byteLength(text) > 8192) {
    throw new Error(`${file} is ${Buffer.byteLength(text)} bytes as one line of JSON; an SSM parameter holds at most 8 KB`);
  }
  return text;
};
