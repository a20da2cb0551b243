/**
 * AlertTopic: the SNS topic every alert goes to (KMS-encrypted, SSL-only), with an e-mail
 * subscription when an address is given at deploy time (`-c alertEmail=…`). CloudWatch alarms may
 * publish to it, so its key lets CloudWatch use it.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface AlertTopicProps {
  /** E-mail address that receives the alerts routed to e-mail. @default none (dashboard only) */
  readonly email?: string;
}

export class AlertTopic extends Construct {
  readonly topic: Topic;
  readonly key: Key;

  constructor(scope: Construct, id: string, props: AlertTopicProps = {}) {
    super(scope, id);
    this.key = new Key(this, 'Key', {
      enableKeyRotation: true,
      description: 'FINML alert topic encryption',
      pendingWindow: Duration.days(7),
    });
    this.key.grant(new ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    this.topic = new Topic(this, 'Topic', {
      displayName: 'FINML alerts',
      masterKey: this.key,
      enforceSSL: true,
    });
    if (props.email) {
      // Messages SNS could not deliver to the mailbox wait here instead of being lost.
      const undelivered = new Queue(this, 'Undelivered', {
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
      });
      for (const id of ['AwsSolutions-SQS3', 'Serverless-SQSRedrivePolicy']) {
        Validations.of(undelivered).acknowledge({
          id,
          reason: 'This queue is itself the dead-letter queue of the e-mail subscription.',
        });
      }
      this.topic.addSubscription(new EmailSubscription(props.email, { deadLetterQueue: undelivered }));
    }
  }
}
