/** ApiVersions: the served APIs and versions (served-apis.ts), and the answer to a version the broker lacks. */
import { KAFKA_ERRORS } from '../error-codes.js';
import type { ApiVersionsResponse } from '../messages/api-versions-response.js';
import { KAFKA_APIS } from '../messages/apis.js';
import { SERVED_APIS, type ServedApi } from '../served-apis.js';

/** The served APIs as ApiVersions lists them, by key. */
function apiKeys(): ApiVersionsResponse['apiKeys'] {
  return (Object.keys(SERVED_APIS) as ServedApi[])
    .map((api) => ({ apiKey: KAFKA_APIS[api].apiKey, ...SERVED_APIS[api] }))
    .sort((a, b) => a.apiKey - b.apiKey);
}

function response(errorCode: number, keys: ApiVersionsResponse['apiKeys']): ApiVersionsResponse {
  return {
    errorCode,
    apiKeys: keys,
    throttleTimeMs: 0,
    supportedFeatures: [],
    finalizedFeaturesEpoch: -1n,
    finalizedFeatures: [],
    zkMigrationReady: false,
  };
}

/** The answer to ApiVersions at a served version. */
export function apiVersions(): Promise<ApiVersionsResponse> {
  return Promise.resolve(response(KAFKA_ERRORS.NONE, apiKeys()));
}

/**
 * The answer to ApiVersions at a version the broker does not serve, to be written as v0 (KIP-511): the error, and
 * ApiVersions' own range so the client retries with a version both sides know, as Kafka answers.
 */
export function unsupportedApiVersions(): ApiVersionsResponse {
  return response(
    KAFKA_ERRORS.UNSUPPORTED_VERSION,
    apiKeys().filter((k) => k.apiKey === KAFKA_APIS.ApiVersions.apiKey),
  );
}
