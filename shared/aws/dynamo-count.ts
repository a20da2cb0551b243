/**
 * Item counts of a table (a paginated Scan with Select COUNT), for the soak's growth checks: how
 * many items the registry and the prediction log hold, and per partition-key family.
 */
import { type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { PARTITION_KEY } from '#shared/aws/tables';

/** Items of `tableName` by the family of their partition key (`RECORD#drift`, `MODEL`, a symbol → `*`). */
export async function countItems(
  client: DynamoDBClient,
  tableName: string,
  family: (pk: string) => string = () => '*',
): Promise<{ total: number; byFamily: Record<string, number> }> {
  const byFamily: Record<string, number> = {};
  let total = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: tableName,
        ProjectionExpression: '#pk',
        ExpressionAttributeNames: { '#pk': PARTITION_KEY },
        ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey as never }),
      }),
    );
    for (const item of page.Items ?? []) {
      const name = family(item[PARTITION_KEY]?.S ?? '');
      byFamily[name] = (byFamily[name] ?? 0) + 1;
      total++;
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
  return { total, byFamily };
}
