import t from 'tap';
import { unsupportedApiVersions } from '../../../broker/kafka/api/api-versions.js';
import { KAFKA_HANDLERS } from '../../../broker/kafka/dispatch.js';
import { KAFKA_APIS } from '../../../broker/kafka/messages/apis.js';
import { SERVED_APIS, isServed, type ServedApi } from '../../../broker/kafka/served-apis.js';
import { KAFKA_TOPIC_CONFIGS } from '../../../broker/kafka/topic-configs.js';
import { TOPIC_CONFIG_KEYS } from '../../../broker/topics/topic-config.js';

void t.test('every served range lies within the versions the vendored definition declares', (t) => {
  for (const api of Object.keys(SERVED_APIS) as ServedApi[]) {
    const { minVersion, maxVersion } = SERVED_APIS[api];
    t.ok(minVersion >= KAFKA_APIS[api].minVersion && maxVersion <= KAFKA_APIS[api].maxVersion, api);
    t.ok(isServed(api, maxVersion) && !isServed(api, maxVersion + 1), `${api} up to v${String(maxVersion)}`);
    t.ok(api in KAFKA_HANDLERS || api === 'SaslHandshake' || api === 'SaslAuthenticate', `${api} has a handler`);
  }
  t.notOk(isServed('Produce', 3), 'Produce waits for RecordBatch v2 storage');
  t.notOk(isServed('Fetch', 12), 'so does Fetch');
  t.end();
});

void t.test('an ApiVersions version the broker lacks is answered with the range of ApiVersions only', (t) => {
  const answer = unsupportedApiVersions();
  t.equal(answer.errorCode, 35, 'UNSUPPORTED_VERSION');
  t.same(answer.apiKeys, [{ apiKey: 18, minVersion: 0, maxVersion: 4 }]);
  t.end();
});

void t.test("each of Brook's topic configs is described under Kafka's name with Kafka's type", (t) => {
  for (const key of TOPIC_CONFIG_KEYS) t.ok(KAFKA_TOPIC_CONFIGS[key].doc.length > 0, key);
  t.equal(KAFKA_TOPIC_CONFIGS['retention.ms'].type, 5, 'LONG');
  t.equal(KAFKA_TOPIC_CONFIGS['cleanup.policy'].type, 7, 'LIST');
  t.end();
});
