#!/usr/bin/env node
/**
 * The `brook` command: `brook broker` runs a broker (broker/main.ts); `brook topic|partition|group|user|acl|produce|consume`
 * are clients of a running cluster, built on the client library only.
 */
import { Command, InvalidArgumentError } from 'commander';
import { brokerCommand, integer } from '../broker/main.js';
import { brokerRemoveCommand } from './broker-commands.js';
import { clientCommand, connection, print } from './client-command.js';
import { clusterCommand } from './cluster-commands.js';
import { consumeCommand } from './consume-command.js';
import { integerFlag } from './flag-error.js';
import { produceCommand } from './produce-command.js';
import { parseReplicas, reassignPartitions } from './partition-commands.js';
import { deleteGroup, describeGroup, listGroups, resetGroupOffsets } from './group-commands.js';
import {
  addPartitions,
  alterTopicConfig,
  createTopic,
  deleteTopic,
  describeTopics,
  listTopics,
} from './topic-commands.js';
import { aclCommands } from './acl-commands.js';
import { userCommand } from './user-commands.js';
import { quotaCommand } from './quota-commands.js';
import { packageVersion } from './version.js';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function parseReplicasOption(value: string): number[] {
  try {
    return parseReplicas(value);
  } catch (err) {
    throw new InvalidArgumentError(err instanceof Error ? err.message : String(err));
  }
}

const program = new Command('brook')
  .description('Brook: a Kafka-like message broker for Node.js')
  .version(packageVersion(), '-V, --version', 'print the version')
  .showHelpAfterError()
  .configureOutput({
    outputError: (text, write) => {
      write(text);
    },
  });
// Positional options (here and on `brook`): the flags after `brook broker remove` are the client command's, not the
// broker's (both take --tls-ca, and the broker has --id).
program.enablePositionalOptions();
program.addCommand(brokerCommand().enablePositionalOptions().addCommand(brokerRemoveCommand()));

const topic = new Command('topic').description('create, list, describe, change and delete topics');
topic.addCommand(
  clientCommand('create')
    .description('create a topic')
    .argument('<name>')
    .option('--partitions <n>', 'partition count (1 to 100000)', integerFlag('--partitions', 1, 100_000), 1)
    .option(
      '--replication-factor <n>',
      'replicas per partition (1 to 16)',
      integerFlag('--replication-factor', 1, 16),
      1,
    )
    .option(
      '--config <key=value>',
      'topic config (repeatable): retention.ms, retention.bytes, cleanup.policy',
      collect,
      [],
    )
    .option('--if-not-exists', 'succeed without changing anything if the topic exists already', false)
    .action(
      async (
        name: string,
        opts: {
          partitions: number;
          replicationFactor: number;
          config: string[];
          ifNotExists: boolean;
          bootstrap: string;
        },
      ) => {
        await createTopic(connection(opts), name, opts, print);
      },
    ),
);
topic.addCommand(
  clientCommand('list')
    .description('list topics')
    .action(async (opts: { bootstrap: string }) => {
      await listTopics(connection(opts), print);
    }),
);
topic.addCommand(
  clientCommand('describe')
    .description('show partitions (leader, replicas, in-sync replicas, offsets) and config')
    .argument('[names...]')
    .action(async (names: string[], opts: { bootstrap: string }) => {
      await describeTopics(connection(opts), names, print);
    }),
);
topic.addCommand(
  clientCommand('delete')
    .description('delete a topic and its data')
    .argument('<name>')
    .action(async (name: string, opts: { bootstrap: string }) => {
      await deleteTopic(connection(opts), name, print);
    }),
);
topic.addCommand(
  clientCommand('alter-config')
    .description("change a topic's config (retention.ms, retention.bytes, cleanup.policy)")
    .argument('<name>')
    .option('--set <key=value>', 'set a config key (repeatable)', collect, [])
    .option('--delete <key>', "take a config key back to the broker's default (repeatable)", collect, [])
    .action(async (name: string, opts: { set: string[]; delete: string[]; bootstrap: string }) => {
      await alterTopicConfig(connection(opts), name, opts, print);
    }),
);
topic.addCommand(
  clientCommand('add-partitions')
    .description('grow a topic to --partitions in all (existing partitions are untouched)')
    .argument('<name>')
    .requiredOption(
      '--partitions <n>',
      'the new total partition count (2 to 100000)',
      integerFlag('--partitions', 2, 100_000),
    )
    .action(async (name: string, opts: { partitions: number; bootstrap: string }) => {
      await addPartitions(connection(opts), name, opts, print);
    }),
);
program.addCommand(topic);

const partitionCommand = new Command('partition').description('move partitions between brokers');
partitionCommand.addCommand(
  clientCommand('reassign')
    .description('move one partition to new replicas (online), or --rebalance every partition over the brokers')
    .option('--topic <name>', 'the topic of the partition to move')
    .option('--partition <n>', 'the partition to move', integer)
    .option('--replicas <ids>', 'its new replicas, preferred leader first: e.g. 4,2,1', parseReplicasOption)
    .option('--rebalance', 'place every partition anew over the current brokers (after adding one)', false)
    .option(
      '--wait <ms>',
      'wait until the moved partitions are in sync on their new replicas (0: do not wait)',
      integer,
      0,
    )
    .action(
      async (opts: {
        topic?: string;
        partition?: number;
        replicas?: number[];
        rebalance: boolean;
        wait: number;
        bootstrap: string;
      }) => {
        const { topic: name, partition, replicas } = opts;
        if (opts.rebalance) {
          await reassignPartitions(connection(opts), { rebalance: true }, opts.wait, print);
          return;
        }
        if (name === undefined || partition === undefined || replicas === undefined) {
          throw new InvalidArgumentError('give --topic, --partition and --replicas, or --rebalance');
        }
        await reassignPartitions(connection(opts), { topic: name, partition, replicas }, opts.wait, print);
      },
    ),
);
program.addCommand(partitionCommand);

const group = new Command('group').description('list, describe, reset the offsets of, and delete consumer groups');
group.addCommand(
  clientCommand('list')
    .description('list consumer groups (every broker is asked)')
    .action(async (opts: { bootstrap: string }) => {
      await listGroups(connection(opts), print);
    }),
);
group.addCommand(
  clientCommand('describe')
    .description('show members, assignment, and per partition committed offset, log end and lag')
    .argument('<group>')
    .action(async (id: string, opts: { bootstrap: string }) => {
      await describeGroup(connection(opts), id, print);
    }),
);
group.addCommand(
  clientCommand('reset-offsets')
    .description("move a group's committed offsets on a topic (the group must have no members)")
    .argument('<group>')
    .requiredOption('--topic <topic>', 'the topic whose partitions are reset')
    .requiredOption('--to <target>', 'earliest | latest | timestamp:<ms> | offset:<n>')
    .option('--dry-run', 'print the offsets it would commit, and change nothing', false)
    .action(async (id: string, opts: { topic: string; to: string; dryRun: boolean; bootstrap: string }) => {
      await resetGroupOffsets(connection(opts), id, opts, print);
    }),
);
group.addCommand(
  clientCommand('delete')
    .description('delete a group without members, with its committed offsets')
    .argument('<group>')
    .action(async (id: string, opts: { bootstrap: string }) => {
      await deleteGroup(connection(opts), id, print);
    }),
);
program.addCommand(group);

program.addCommand(clusterCommand());
program.addCommand(userCommand());
program.addCommand(aclCommands());
program.addCommand(quotaCommand());
program.addCommand(produceCommand());
program.addCommand(consumeCommand());

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`brook: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
