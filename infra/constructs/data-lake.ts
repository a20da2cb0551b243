/**
 * DataLake: the bronze, silver, gold, artifacts and quarantine buckets, and a bucket for their
 * access logs. Every bucket is versioned, encrypted, SSL-only and closed to the public; old
 * versions, unfinished uploads and quarantined files expire. Bronze (the pipeline's uploads) and
 * artifacts (an operator's retraining requests, decision 29) send their events to EventBridge.
 * Gold has S3 Object Lock enabled (no default retention): registration puts a legal hold on each
 * gold version a model was trained on, and a held version is never expired by the lifecycle, so any
 * registered model can be reproduced (decision 22).
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type BucketProps,
  type CfnBucket,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { PlatformConfig } from '#config/schema';

export interface DataLakeProps {
  readonly config: PlatformConfig['lake'];
  /** @default RemovalPolicy.RETAIN — data outlives the stack */
  readonly removalPolicy?: RemovalPolicy;
}

export class DataLake extends Construct {
  readonly bronze: Bucket;
  readonly silver: Bucket;
  readonly gold: Bucket;
  readonly artifacts: Bucket;
  readonly quarantine: Bucket;
  readonly accessLogs: Bucket;

  constructor(scope: Construct, id: string, props: DataLakeProps) {
    super(scope, id);
    const c = props.config;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const secure: BucketProps = {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      removalPolicy,
    };
    this.accessLogs = new Bucket(this, 'AccessLogs', {
      ...secure,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [
        {
          expiration: Duration.days(c.accessLogRetentionDays),
          noncurrentVersionExpiration: Duration.days(1),
        },
      ],
    });
    Validations.of(this.accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access-log bucket itself; logging it into itself would loop.',
    });
    const lifecycle = [
      {
        noncurrentVersionExpiration: Duration.days(c.noncurrentVersionExpirationDays),
        abortIncompleteMultipartUploadAfter: Duration.days(c.abortIncompleteUploadDays),
      },
    ];
    const bucket = (name: string, extra: Partial<BucketProps> = {}) =>
      new Bucket(this, name, {
        ...secure,
        serverAccessLogsBucket: this.accessLogs,
        serverAccessLogsPrefix: `${name.toLowerCase()}/`,
        lifecycleRules: lifecycle,
        ...extra,
      });
    this.bronze = bucket('Bronze', { eventBridgeEnabled: true });
    // A run's staging (shared/usecases/lake.ts keys.staging): left behind only by a run that died.
    const staging = { prefix: 'staging/', expiration: Duration.days(c.stagingExpirationDays) };
    this.silver = bucket('Silver', { lifecycleRules: [...lifecycle, staging] });
    this.gold = bucket('Gold', { lifecycleRules: [...lifecycle, staging] });
    // Object Lock through ObjectLockConfiguration alone (an in-place update), not the bucket's
    // ObjectLockEnabled property that `objectLockEnabled: true` sets: that one requires replacement,
    // which would swap an existing stack's gold bucket for an empty one (decision 22).
    (this.gold.node.defaultChild as CfnBucket).objectLockConfiguration = { objectLockEnabled: 'Enabled' };
    // EventBridge: an operator's retraining request (requests/retraining/…) starts the retraining.
    this.artifacts = bucket('Artifacts', { eventBridgeEnabled: true });
    this.quarantine = bucket('Quarantine', {
      lifecycleRules: [...lifecycle, { expiration: Duration.days(c.quarantineExpirationDays) }],
    });
  }
}
