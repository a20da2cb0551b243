/** The SNS client. */
import { SNSClient, type SNSClientConfig } from '@aws-sdk/client-sns';
import { type AwsClientOptions, resolveClientOptions } from './client-options.ts';

/** An SNS client. */
export function createSnsClient(options: AwsClientOptions = {}): SNSClient {
  const { customEndpoint: _custom, ...common } = resolveClientOptions('SNS', options);
  const config: SNSClientConfig = common;
  return new SNSClient(config);
}
