#!/usr/bin/env bash
# `npm run package`: `serverless package --stage dev`, fully offline. No AWS account, no network: the
# credentials are dummies (packaging never calls AWS; they only stop the SDK probing the instance
# metadata service), and the framework's telemetry, notifications and update checks are switched off.
# Output: .serverless/cloudformation-template-update-stack.json and one zip per function.
set -euo pipefail
cd "$(dirname "$0")/.."

export AWS_ACCESS_KEY_ID=AKIAOFFLINEPACKAGING
export AWS_SECRET_ACCESS_KEY=offline-packaging-not-a-secret
unset AWS_SESSION_TOKEN AWS_PROFILE AWS_DEFAULT_PROFILE
export AWS_REGION="${AWS_REGION:-eu-west-1}"
export AWS_DEFAULT_REGION="$AWS_REGION"
export AWS_EC2_METADATA_DISABLED=true
export AWS_SDK_LOAD_CONFIG=0
# Serverless Framework v3: no telemetry, no notifications (they fetch from the network), no deprecation
# noise, no interactive setup, no Serverless Dashboard/Console hooks.
export SLS_TELEMETRY_DISABLED=1
export SLS_TRACKING_DISABLED=1
export SLS_NOTIFICATIONS_MODE=off
export SLS_DEPRECATION_DISABLE='*'
export SLS_INTERACTIVE_SETUP_DISABLE=1
export SLS_DISABLE_AUTO_UPDATE=1
export SLS_AWS_MONITORING_FREQUENCY=0
export CI=1

# The npm scripts run on the project's Node (the `node` devDependency); so does this, when called directly.
NODE=node
[ -x node_modules/.bin/node ] && NODE=node_modules/.bin/node

rm -rf .serverless .esbuild
start=$(date +%s)
"$NODE" node_modules/serverless/bin/serverless.js package --stage "${STAGE:-dev}" --region "$AWS_REGION"
echo "Packaged in $(( $(date +%s) - start )) s: .serverless/cloudformation-template-update-stack.json"
