/**
 * A broker's partition registry as the cluster drivers' tests make it: logs in `dataDir` with no fsync and no
 * retention, 1 MiB batches, replicated through `replicate` when given (a cluster node's), else local.
 */
import { PartitionRegistry, type PartitionRegistryOptions } from '../../../../broker/partitions/partition-registry.js';

export function testPartitions(
  dataDir: string,
  brokerId: number,
  replicate?: PartitionRegistryOptions['replicate'],
): PartitionRegistry {
  return new PartitionRegistry({
    dataDir,
    brokerId,
    flush: 'never',
    retentionDefaults: { retentionMs: -1, retentionBytes: -1 },
    maxMessageBytes: 1 << 20,
    ...(replicate === undefined ? {} : { replicate }),
  });
}
