#!/usr/bin/env bash
# `npm run package`: `serverless package --stage dev`, fully offline. No AWS account and no network are
# needed: packaging never calls AWS (the credentials below are dummies, there only so that nothing goes
# looking for real ones), and the osls CLI sends no telemetry.
# Output: .serverless/cloudformation-template-update-stack.json and one zip per function.
# Extra arguments go to the CLI, e.g. `npm run package -- --region us-east-1`; STAGE=prod for another stage.
set -euo pipefail
cd "$(dirname "$0")/.."

export AWS_ACCESS_KEY_ID=AKIAOFFLINEPACKAGING
export AWS_SECRET_ACCESS_KEY=offline-packaging-not-a-secret
export AWS_REGION=eu-west-1
export AWS_DEFAULT_REGION=eu-west-1
unset AWS_SESSION_TOKEN AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SDK_LOAD_CONFIG
export AWS_CONFIG_FILE=/dev/null
export AWS_SHARED_CREDENTIALS_FILE=/dev/null
export AWS_EC2_METADATA_DISABLED=true
# osls (docs/cli.md) has no telemetry and no notifications to switch off; only the deprecation noise.
export SLS_DEPRECATION_DISABLE='*'

# The npm scripts run on the project's Node (the `node` devDependency); so does this, when called directly.
NODE=node
[ -x node_modules/.bin/node ] && NODE=node_modules/.bin/node

rm -rf .serverless .esbuild
start=$(date +%s)
"$NODE" node_modules/osls/bin/serverless.js package --stage "${STAGE:-dev}" "$@"
echo "Packaged in $(( $(date +%s) - start )) s: .serverless/cloudformation-template-update-stack.json"
