/** `brook topic create|list|describe|delete|alter-config|add-partitions`. */
import { withAdmin, type CliConnection } from './client-options.js';
import { FlagError } from './flag-error.js';

/** Writes lines of text (stdout in the CLI, a buffer in tests). */
export type Print = (line: string) => void;

/** Creates a topic (unless it exists and `ifNotExists` is set); `config` entries are `key=value`. */
export async function createTopic(
  conn: CliConnection,
  name: string,
  opts: { partitions: number; replicationFactor: number; config: readonly string[]; ifNotExists: boolean },
  print: Print,
): Promise<void> {
  const config = configEntries('--config', opts.config);
  await withAdmin(conn, (admin) =>
    admin.createTopic(name, {
      partitions: opts.partitions,
      replicationFactor: opts.replicationFactor,
      config,
      ifNotExists: opts.ifNotExists,
    }),
  );
  print(
    `Created topic ${name} with ${String(opts.partitions)} partition(s)${opts.ifNotExists ? ' (or it existed)' : ''}.`,
  );
}

/** Prints one topic name per line. */
export async function listTopics(conn: CliConnection, print: Print): Promise<void> {
  const names = await withAdmin(conn, (admin) => admin.listTopics());
  for (const name of names.sort()) print(name);
}

/** Prints each topic's config and, per partition, leader, replicas, in-sync replicas and offsets. */
export async function describeTopics(conn: CliConnection, names: readonly string[], print: Print): Promise<void> {
  const topics = await withAdmin(conn, (admin) => admin.describeTopics(names.length > 0 ? names : undefined));
  for (const topic of topics) {
    const config = Object.entries(topic.config)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    print(`Topic: ${topic.name}\tPartitions: ${String(topic.partitions.length)}\tConfig: ${config || '(defaults)'}`);
    for (const p of topic.partitions) {
      print(
        `\tPartition: ${String(p.partition)}\tLeader: ${leaderName(p.leader)}\tReplicas: ${p.replicas.join(',')}` +
          `\tIsr: ${p.isr.join(',')}\tLogStart: ${String(p.logStartOffset)}\tHighWatermark: ${String(p.highWatermark)}`,
      );
    }
  }
}

/** A partition's leader as `topic describe` prints it: metadata says -1 while no replica leads (offline). */
function leaderName(leader: number): string {
  return leader < 0 ? 'none' : String(leader);
}

/** Deletes a topic and its data. */
export async function deleteTopic(conn: CliConnection, name: string, print: Print): Promise<void> {
  await withAdmin(conn, (admin) => admin.deleteTopic(name));
  print(`Deleted topic ${name}.`);
}

/** Sets (`--set key=value`) and deletes (`--delete key`: back to the broker's default) config keys of a topic. */
export async function alterTopicConfig(
  conn: CliConnection,
  name: string,
  opts: { set: readonly string[]; delete: readonly string[] },
  print: Print,
): Promise<void> {
  if (opts.set.length === 0 && opts.delete.length === 0) {
    throw new FlagError('--set', '(none)', 'give at least one --set key=value or --delete key');
  }
  const set = configEntries('--set', opts.set);
  await withAdmin(conn, (admin) => admin.alterTopicConfig(name, { set, delete: opts.delete }));
  const changes = [...Object.entries(set).map(([k, v]) => `${k}=${v}`), ...opts.delete.map((k) => `-${k}`)];
  print(`Changed the config of topic ${name}: ${changes.join(', ')}.`);
}

/** Grows a topic to `--partitions` in all (Kafka's and rpk's meaning: the new total). */
export async function addPartitions(
  conn: CliConnection,
  name: string,
  opts: { partitions: number },
  print: Print,
): Promise<void> {
  await withAdmin(conn, (admin) => admin.createPartitions(name, opts.partitions));
  print(`Topic ${name} now has ${String(opts.partitions)} partitions.`);
}

/** `key=value` entries of a repeatable flag as a config map. */
function configEntries(flag: string, entries: readonly string[]): Record<string, string> {
  const config: Record<string, string> = {};
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    if (eq <= 0) throw new FlagError(flag, entry, 'must be key=value with a non-empty key');
    config[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return config;
}
