/**
 * Real Kafka clients for the Kafka listener's tests: kcat (librdkafka) and Python's confluent-kafka (librdkafka too)
 * from Debian, and kafkajs from npm. The Debian ones are installed when missing and allowed; otherwise the tests that
 * need them skip, saying why.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { findOrInstall, onPath, run } from '../../helpers/external-tools.js';

/** The python that Debian's python3-confluent-kafka belongs to. */
const SYSTEM_PYTHON = '/usr/bin/python3';

/** kcat's path, or why it is missing. */
export function findKcat(): string {
  return findOrInstall('kcat', 'kcat', () => onPath('kcat'));
}

/** The python that imports confluent_kafka, or why there is none. */
export function findConfluentPython(): string {
  return findOrInstall('python3-confluent-kafka', 'python3-confluent-kafka', () =>
    fs.existsSync(SYSTEM_PYTHON) && spawnSync(SYSTEM_PYTHON, ['-c', 'import confluent_kafka']).status === 0
      ? SYSTEM_PYTHON
      : undefined,
  );
}

/** Whether a find* answer is a path (the tool is there) rather than the reason it is not. */
export function isPath(found: string): boolean {
  return path.isAbsolute(found);
}

/** What `kcat -L -J` prints. */
export interface KcatMetadata {
  readonly controllerid: number;
  readonly brokers: readonly { readonly id: number; readonly name: string }[];
  readonly topics: readonly {
    readonly topic: string;
    readonly error?: string;
    readonly partitions: readonly { readonly partition: number; readonly leader: number }[];
  }[];
}

/** `kcat -L -J -b <bootstrap> ...args`: the cluster's metadata as librdkafka reads it. Throws on failure. */
export async function kcatMetadata(
  kcat: string,
  bootstrap: string,
  args: readonly string[] = [],
): Promise<KcatMetadata> {
  const result = await run(kcat, ['-b', bootstrap, '-L', '-J', '-m', '15', ...args], 30_000);
  if (result.code !== 0) throw new Error(`kcat -L failed (exit ${String(result.code)}): ${result.output}`);
  return JSON.parse(result.stdout) as KcatMetadata;
}
