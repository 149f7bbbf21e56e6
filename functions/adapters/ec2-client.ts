/**
 * The EC2 client, made once per function on first use: shared by the grant drivers and the rule
 * description, so a function that needs only the description ("Check access") bundles EC2 without the
 * drivers. Made on first use, not at import: the VPC driver's module (which tests load with a client of
 * their own) imports the description's.
 */
import { EC2Client } from '@aws-sdk/client-ec2';
import { awsClient } from './aws-client.js';

let client: EC2Client | undefined;

export function ec2Client(): EC2Client {
  return (client ??= awsClient(EC2Client, 'ec2'));
}
