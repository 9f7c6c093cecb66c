/** The wire contract shared by broker and client. Imports nothing outside this folder but msgpackr. */
export * from './errors.js';
export * from './messages.js';
export * from './group-messages.js';
export * from './auth-messages.js';
export * from './acl-messages.js';
export * from './broker-messages.js';
export * from './quota-messages.js';
export * from './scram.js';
export * from './ops.js';
export * from './frame.js';
export * from './length-prefix.js';
export * from './records.js';
export * from './kafka-record-batch.js';
export * from './kafka-compression.js';
export { crc32c } from './crc32c.js';
export type { Infer, Schema } from './schema.js';
export { addSequence } from './sequence.js';
export { partitionKey, splitPartitionKey, type PartitionKey } from './partition-key.js';
