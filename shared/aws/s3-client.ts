/** The S3 client. */
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { type AwsClientOptions, resolveClientOptions } from './client-options.ts';

/**
 * An S3 client. Checksums are computed/validated only when an operation requires them
 * (`WHEN_REQUIRED`): the default (`WHEN_SUPPORTED`) sends aws-chunked bodies with trailing CRC32 checksums,
 * which the local s3rver stores verbatim. With a custom endpoint, path-style addressing is used
 * (`http://host:port/bucket/key`) because local servers have no per-bucket DNS names.
 */
export function createS3Client(options: AwsClientOptions = {}): S3Client {
  const { customEndpoint, ...common } = resolveClientOptions('S3', options);
  const config: S3ClientConfig = {
    ...common,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
  if (customEndpoint) config.forcePathStyle = true;
  return new S3Client(config);
}
