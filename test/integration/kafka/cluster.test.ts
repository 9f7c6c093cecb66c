/**
 * Three brokers: each learns the others' Kafka listeners from their alive messages, so kcat -L against one lists all
 * three at their Kafka ports, and Metadata on the controller creates the topic it names.
 */
import t from 'tap';
import { startTestCluster } from '../../helpers/cluster.js';
import { waitFor } from '../../helpers/wait-for.js';
import { findKcat, isPath, kcatMetadata } from './kafka-tools.js';

const kcat = findKcat();

void t.test(
  'kcat -L against one broker lists all three at their Kafka ports',
  { skip: isPath(kcat) ? false : kcat },
  async (t) => {
    const cluster = await startTestCluster(t, { size: 3 });
    const expected = cluster.ids.map((id) => ({ id, name: `127.0.0.1:${String(cluster.broker(id).kafkaPort)}` }));
    const first = cluster.broker(1).kafkaBootstrap;
    const listed = await waitFor(
      async () => {
        const metadata = await kcatMetadata(kcat, first);
        // Until the metadata group elects its leader, the controller is -1 (as Kafka says: none known).
        return metadata.brokers.length === 3 && cluster.ids.includes(metadata.controllerid) ? metadata : undefined;
      },
      { timeoutMs: 30_000, what: 'broker 1 to know the Kafka ports of all three, and the controller' },
    );
    t.same(
      [...listed.brokers].sort((a, b) => a.id - b.id),
      expected,
    );

    // Metadata creates topics on the controller only: other brokers cannot forward a user's topic to it yet.
    const controller = cluster.broker(listed.controllerid).kafkaBootstrap;
    const created = await waitFor(
      async () => {
        const metadata = await kcatMetadata(kcat, controller, ['-t', 'spread']);
        const topic = metadata.topics[0];
        return topic !== undefined && topic.partitions.length > 0 && topic.partitions.every((p) => p.leader > 0)
          ? topic
          : undefined;
      },
      { timeoutMs: 30_000, what: 'the auto-created topic to have a leader' },
    );
    t.equal(created.partitions.length, 1);
  },
);
