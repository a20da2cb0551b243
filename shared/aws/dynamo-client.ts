/** DynamoDB clients: the low-level client (table administration) and the document client of the adapters. */
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type AwsClientOptions, resolveClientOptions } from './client-options.ts';

/** A low-level DynamoDB client (table administration; adapters use the document client). */
export function createDynamoClient(options: AwsClientOptions = {}): DynamoDBClient {
  const { customEndpoint: _custom, ...common } = resolveClientOptions('DYNAMODB', options);
  const config: DynamoDBClientConfig = common;
  return new DynamoDBClient(config);
}

/**
 * A DynamoDB document client (plain JS values in and out). `removeUndefinedValues` drops undefined
 * optional fields instead of failing on them.
 */
export function createDynamoDocumentClient(
  options: AwsClientOptions | { readonly client: DynamoDBClient } = {},
): DynamoDBDocumentClient {
  const client = 'client' in options ? options.client : createDynamoClient(options);
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}
