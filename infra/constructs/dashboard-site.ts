/**
 * DashboardSite: the dashboard's static files in a private S3 bucket behind CloudFront (origin
 * access control, HTTPS only, access logs). When dashboard/dist exists at synth time it is deployed.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Distribution, HttpVersion, ViewerProtocolPolicy } from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { BlockPublicAccess, Bucket, BucketEncryption, type IBucket } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { REPO_ROOT } from './finml-function.ts';

export interface DashboardSiteProps {
  readonly accessLogs: IBucket;
  /** Folder with the built dashboard. @default dashboard/dist */
  readonly distDir?: string;
}

export class DashboardSite extends Construct {
  readonly bucket: Bucket;
  readonly distribution: Distribution;

  constructor(scope: Construct, id: string, props: DashboardSiteProps) {
    super(scope, id);
    this.bucket = new Bucket(this, 'Site', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: props.accessLogs,
      serverAccessLogsPrefix: 'dashboard/',
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: false,
    });
    this.distribution = new Distribution(this, 'Cdn', {
      comment: 'FINML dashboard',
      defaultRootObject: 'index.html',
      httpVersion: HttpVersion.HTTP2_AND_3,
      enableLogging: true,
      logBucket: props.accessLogs,
      logFilePrefix: 'cloudfront/',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      },
      errorResponses: [
        {
          httpStatus: 403,
          responseHttpStatus: 200,
          responsePagePath: '/index.html',
          ttl: Duration.minutes(5),
        },
      ],
    });
    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR1',
      reason: 'The dashboard serves analysts wherever they are; no country is excluded.',
    });
    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR2',
      reason:
        'Static files only; the API it calls is protected by API keys and a usage plan. A WAF is the deployer’s account-level choice.',
    });
    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR4',
      reason:
        'The default CloudFront certificate is used (no custom domain), whose TLS policy CloudFront fixes; a custom domain brings its own certificate and policy.',
    });
    const dist = props.distDir ?? join(REPO_ROOT, 'dashboard', 'dist');
    if (existsSync(join(dist, 'index.html'))) {
      const deployment = new BucketDeployment(this, 'Deploy', {
        sources: [Source.asset(dist)],
        destinationBucket: this.bucket,
        distribution: this.distribution,
      });
      Validations.of(deployment).acknowledge({
        id: 'AwsSolutions-IAM4',
        reason: 'The CDK BucketDeployment custom resource uses the AWS-managed Lambda basic execution role.',
      });
      Validations.of(deployment).acknowledge({
        id: 'AwsSolutions-IAM5',
        reason:
          'The CDK BucketDeployment custom resource copies objects under the site bucket (object-level wildcards).',
      });
      Validations.of(deployment).acknowledge({
        id: 'AwsSolutions-L1',
        reason: 'The CDK BucketDeployment custom resource picks its own runtime.',
      });
    }
  }
}
