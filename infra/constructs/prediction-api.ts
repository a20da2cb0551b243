/**
 * PredictionApi: the REST API of forecasts and of the dashboard's reads. Every method needs an API
 * key (usage plan: throttling and a daily quota from config); bodies are validated against a JSON
 * schema before a Lambda runs; access logs and X-Ray tracing are on.
 */

import { Validations } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  ApiKeySourceType,
  JsonSchemaType,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  Model,
  Period,
  RequestValidator,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { PlatformConfig } from '#config/schema';
import type { FinmlFunction } from './finml-function.ts';

export interface PredictionApiProps {
  readonly config: PlatformConfig['api'];
  /**
   * POST /predict and /predict/batch; its entry should be functions/api/predict.ts (the lean bundle).
   * Started without runtime source maps (docs/decisions/0006-predict-cold-start.md).
   */
  readonly predict: FinmlFunction;
  readonly read: FinmlFunction;
  readonly admin: FinmlFunction;
  readonly logRetention: RetentionDays;
  /** Origins allowed to call the API from a browser: the dashboard's. */
  readonly allowOrigins: readonly string[];
}

/** The dashboard's read routes (GET), served by one function. */
export const READ_ROUTES = [
  'status',
  'regimes',
  'timeline',
  'models',
  'alerts',
  'drift',
  'quality',
  'abtests',
  'jobs',
  'events',
  'config',
] as const;

export class PredictionApi extends Construct {
  readonly api: RestApi;
  readonly apiKeyId: string;

  constructor(scope: Construct, id: string, props: PredictionApiProps) {
    super(scope, id);
    const c = props.config;
    // /predict's cold start is on a caller's request path: no source maps at run time (ADR 0006).
    props.predict.withoutRuntimeSourceMaps();
    this.api = new RestApi(this, 'Api', {
      restApiName: 'finml',
      description: 'FINML regime forecasts and dashboard reads',
      apiKeySourceType: ApiKeySourceType.HEADER,
      defaultMethodOptions: { apiKeyRequired: true },
      defaultCorsPreflightOptions: {
        allowOrigins: [...props.allowOrigins],
        allowHeaders: ['content-type', 'x-api-key'],
        allowMethods: ['GET', 'POST', 'OPTIONS'],
      },
      deployOptions: {
        stageName: 'v1',
        tracingEnabled: true,
        metricsEnabled: true,
        loggingLevel: MethodLoggingLevel.ERROR,
        throttlingRateLimit: c.throttle.rateLimit,
        throttlingBurstLimit: c.throttle.burstLimit,
        accessLogDestination: new LogGroupLogDestination(
          new LogGroup(this, 'AccessLogs', { retention: props.logRetention }),
        ),
        accessLogFormat: AccessLogFormat.jsonWithStandardFields(),
      },
      cloudWatchRole: true,
    });
    const validator = new RequestValidator(this, 'BodyValidator', {
      restApi: this.api,
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    // The gateway checks only that a body is a JSON object; the handlers' zod schemas check the
    // fields and answer a 400 that lists each failing field (API Gateway's own 400 names none).
    const jsonObject = (id: string) =>
      new Model(this, id, {
        restApi: this.api,
        contentType: 'application/json',
        schema: { type: JsonSchemaType.OBJECT },
      });
    const predictModel = jsonObject('PredictRequest');
    const batchModel = jsonObject('PredictBatchRequest');
    const adminModel = jsonObject('AdminRequest');
    const retryModel = jsonObject('AdminRetryRequest');
    const post = (path: string, fn: FinmlFunction, model: Model) => {
      const resource = this.api.root.resourceForPath(path);
      resource.addMethod('POST', new LambdaIntegration(fn), {
        requestValidator: validator,
        requestModels: { 'application/json': model },
      });
    };
    post('predict', props.predict, predictModel);
    post('predict/batch', props.predict, batchModel);
    post('admin/promote', props.admin, adminModel);
    post('admin/rollback', props.admin, adminModel);
    post('admin/retry', props.admin, retryModel);
    post('admin/reproduce', props.admin, adminModel);
    post('admin/retrain', props.admin, adminModel);
    post('admin/reject', props.admin, adminModel);
    const read = new LambdaIntegration(props.read);
    for (const route of READ_ROUTES)
      this.api.root.resourceForPath(route).addMethod('GET', read, { requestValidator: validator });
    this.api.root.resourceForPath('models/{version}').addMethod('GET', read, { requestValidator: validator });

    const key = this.api.addApiKey('Key', {
      description: 'FINML API key (fetch its value: see the stack output)',
    });
    const plan = this.api.addUsagePlan('Plan', {
      throttle: { rateLimit: c.throttle.rateLimit, burstLimit: c.throttle.burstLimit },
      quota: { limit: c.quotaPerDay, period: Period.DAY },
    });
    plan.addApiKey(key);
    plan.addApiStage({ stage: this.api.deploymentStage });
    this.apiKeyId = key.keyId;

    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      reason:
        'The account-level API Gateway logging role needs exactly this AWS-managed policy to write access logs.',
    });
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-COG4',
      reason:
        'Callers are services and the dashboard, authenticated by API key with a usage plan; there is no user pool.',
    });
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'Every method requires an API key (apiKeyRequired) tied to a throttled usage plan; CORS preflight (OPTIONS) must stay open.',
    });
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG3',
      reason:
        'Throttling and quotas come from the usage plan; a WAF web ACL is an account-level choice left to the deployer.',
    });
  }
}
