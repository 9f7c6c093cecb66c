/**
 * The Kafka listener's rows of the broker config table (config-fields.ts spreads them in after the client listener
 * ports): where Kafka clients connect, what Metadata tells them, and whether Metadata creates the topics it is asked
 * about. TLS, connection caps and frame sizes are the client listeners' own (`--tls-*`, `--max-connections`,
 * `--max-frame-bytes`).
 */
import { choiceField, integerField, optionalTextField } from './config-kinds.js';

const MAX_PORT = 65_535;

export const KAFKA_CONFIG_FIELDS = {
  kafkaPort: integerField({
    doc: 'Kafka protocol listener (Kafka clients and tools: kcat, kafkajs, librdkafka); 0 picks a free port',
    default: 9092,
    min: 0,
    max: MAX_PORT,
  }),
  kafkaHost: optionalTextField({
    doc: 'interface the Kafka listener binds to',
    defaultText: '`--host`',
    arg: 'host',
    pattern: /^\S+$/,
  }),
  kafkaAdvertisedHost: optionalTextField({
    doc: 'host Kafka clients are told to connect to (Kafka Metadata, DescribeCluster, FindCoordinator)',
    defaultText: '`--advertised-host`',
    arg: 'host',
    pattern: /^\S+$/,
  }),
  autoCreateTopics: choiceField({
    doc:
      "Kafka Metadata creates the topics it names that do not exist when the client allows it (Kafka's " +
      "`auto.create.topics.enable`), with 1 partition and 1 replica as Kafka's defaults; the native protocol never does",
    choices: ['on', 'off'],
    default: 'on',
    arg: 'on|off',
  }),
};
