/**
 * Registry: the model registry table (versions, the production and candidate pointers, events,
 * idempotency claims, dashboard records) and the prediction log (TTL, and a sparse index of the
 * entries whose outcome is known). Key schemas come from shared/aws/tables.ts, the adapters' own
 * definition. Point-in-time recovery on; no transactions are used (see the adapters).
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import {
  AttributeType,
  BillingMode,
  ProjectionType,
  Table,
  TableEncryption,
  type TableProps,
} from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { PREDICTION_LOG_TABLE, REGISTRY_TABLE, type TableDefinition } from '#shared/aws/tables';

export interface RegistryProps {
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

export class Registry extends Construct {
  readonly models: Table;
  readonly predictions: Table;

  constructor(scope: Construct, id: string, props: RegistryProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.models = table(this, 'Models', REGISTRY_TABLE, removalPolicy);
    this.predictions = table(this, 'Predictions', PREDICTION_LOG_TABLE, removalPolicy);
  }
}

function table(scope: Construct, id: string, def: TableDefinition, removalPolicy: RemovalPolicy): Table {
  const props: TableProps = {
    partitionKey: { name: def.partitionKey.name, type: AttributeType.STRING },
    sortKey: { name: def.sortKey.name, type: AttributeType.STRING },
    billingMode: BillingMode.PAY_PER_REQUEST,
    encryption: TableEncryption.AWS_MANAGED,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    removalPolicy,
    ...(def.timeToLiveAttribute ? { timeToLiveAttribute: def.timeToLiveAttribute } : {}),
  };
  const t = new Table(scope, id, props);
  for (const gsi of def.globalIndexes) {
    t.addGlobalSecondaryIndex({
      indexName: gsi.indexName,
      partitionKey: { name: gsi.partitionKey.name, type: AttributeType.STRING },
      sortKey: { name: gsi.sortKey.name, type: AttributeType.STRING },
      projectionType: ProjectionType.ALL,
    });
  }
  return t;
}
