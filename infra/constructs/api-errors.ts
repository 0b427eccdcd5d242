import { ResponseType, type RestApi } from 'aws-cdk-lib/aws-apigateway';
import { Construct } from 'constructs';

export interface ApiErrorsProps {
  readonly api: RestApi;
}

/** Status and API error code for each response API Gateway makes itself (the handlers make all others). */
const RESPONSES: readonly { type: ResponseType; status: string; code: string; message?: string }[] = [
  { type: ResponseType.UNAUTHORIZED, status: '401', code: 'unauthenticated' },
  { type: ResponseType.ACCESS_DENIED, status: '403', code: 'forbidden' },
  { type: ResponseType.WAF_FILTERED, status: '403', code: 'forbidden' },
  // API Gateway answers an unknown path with "Missing Authentication Token" (403); to a client it is a 404.
  { type: ResponseType.MISSING_AUTHENTICATION_TOKEN, status: '404', code: 'not_found', message: 'no such route' },
  { type: ResponseType.THROTTLED, status: '429', code: 'too_many_requests' },
  { type: ResponseType.QUOTA_EXCEEDED, status: '429', code: 'too_many_requests' },
  { type: ResponseType.REQUEST_TOO_LARGE, status: '413', code: 'payload_too_large' },
  { type: ResponseType.AUTHORIZER_FAILURE, status: '500', code: 'internal_error' },
  { type: ResponseType.DEFAULT_4XX, status: '400', code: 'bad_request' },
  { type: ResponseType.DEFAULT_5XX, status: '500', code: 'internal_error' },
];

/**
 * One error shape everywhere: the responses API Gateway produces itself (no token, unknown route, throttling, WAF)
 * use the handlers' `{error: {code, message, requestId}}` body instead of API Gateway's `{message}`.
 */
export class ApiErrors extends Construct {
  constructor(scope: Construct, id: string, props: ApiErrorsProps) {
    super(scope, id);
    for (const response of RESPONSES) {
      const message =
        response.message === undefined ? '$context.error.messageString' : JSON.stringify(response.message);
      props.api.addGatewayResponse(response.type.responseType, {
        type: response.type,
        statusCode: response.status,
        responseHeaders: { 'content-type': "'application/json'", 'cache-control': "'no-store'" },
        templates: {
          'application/json': `{"error":{"code":"${response.code}","message":${message},"requestId":"$context.requestId"}}`,
        },
      });
    }
  }
}
