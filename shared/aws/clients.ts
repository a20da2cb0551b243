/**
 * Every AWS client factory in one place (tests, the local runtime, the CLI). A factory builds a
 * client from explicit options or from the environment. Lambda handlers import the per-service
 * modules instead (./dynamo-client, ./s3-client, ./sns-client), so that each bundle holds only the
 * SDK clients it uses, and build their clients once per container (functions/lib).
 */
export {
  type AwsClientOptions,
  type EndpointServiceSuffix,
  environmentEndpoint,
} from './client-options.ts';
export { createDynamoClient, createDynamoDocumentClient } from './dynamo-client.ts';
export { createS3Client } from './s3-client.ts';
export { createSnsClient } from './sns-client.ts';
