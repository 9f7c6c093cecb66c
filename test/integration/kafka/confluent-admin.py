# confluent-kafka's AdminClient (librdkafka) against Brook's Kafka listener: each step's outcome as one JSON line.
# Usage: python3 confluent-admin.py <bootstrap>. Run by confluent-admin.test.ts.
import json
import sys

from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic

admin = AdminClient({"bootstrap.servers": sys.argv[1]})


def report(step, value):
    print(json.dumps({"step": step, "value": value}), flush=True)


def outcome(future):
    try:
        future.result(30)
        return "ok"
    except Exception as err:  # the Kafka error's name is what the test compares
        return err.args[0].name() if err.args and hasattr(err.args[0], "name") else str(err)


created = admin.create_topics([NewTopic("py-topic", num_partitions=2, replication_factor=1, config={"retention.ms": "120000"})])
report("create", outcome(created["py-topic"]))
again = admin.create_topics([NewTopic("py-topic", num_partitions=1, replication_factor=1)])
report("create-again", outcome(again["py-topic"]))
validated = admin.create_topics([NewTopic("py-dry", num_partitions=1, replication_factor=1)], validate_only=True)
report("validate-only", outcome(validated["py-dry"]))

metadata = admin.list_topics(timeout=30)
report("list", sorted(metadata.topics.keys()))
report("partitions", len(metadata.topics["py-topic"].partitions))
report("brokers", sorted("%s:%d" % (b.host, b.port) for b in metadata.brokers.values()))

resource = ConfigResource(ConfigResource.Type.TOPIC, "py-topic")
described = admin.describe_configs([resource])[resource].result(30)
report("configs", {name: entry.value for name, entry in described.items()})

altered = admin.alter_configs([ConfigResource(ConfigResource.Type.TOPIC, "py-topic", set_config={"retention.ms": "240000"})])
report("alter", outcome(list(altered.values())[0]))
described = admin.describe_configs([resource])[resource].result(30)
report("configs-after", {name: entry.value for name, entry in described.items()})

deleted = admin.delete_topics(["py-topic"])
report("delete", outcome(deleted["py-topic"]))
