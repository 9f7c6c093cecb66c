/**
 * Consumer-group bodies on the wire (docs/protocol.md section 17). The protocol follows Kafka's KIP-848: one
 * heartbeat request carries a member's subscription and the partitions it owns; the coordinator answers with the
 * partitions the member may own now. Assignment is computed by the broker and changes incrementally: a partition
 * moves only after its previous owner has reported it released, so members not involved keep consuming.
 */
import { topicName, partitionNumber } from './fields.js';
import { array, int, literal, nullable, object, optional, str, type Infer } from './schema.js';
import { wireError } from './messages.js';

/** Group ids and static instance ids: Kafka's topic-name alphabet, up to 255 characters. */
export const GROUP_ID = /^[a-zA-Z0-9._-]{1,255}$/;

const groupId = str({ maxLength: 255, pattern: GROUP_ID });
const memberId = str({ maxLength: 64 });

/** Partitions of one topic. */
export const topicPartitions = object({ topic: topicName, partitions: array(partitionNumber, { maxLength: 100_000 }) });
export type TopicPartitions = Infer<typeof topicPartitions>;

/** The assignors a member may ask for; the group uses the one its first member asked for. */
export const ASSIGNORS = ['sticky', 'range', 'roundrobin'] as const;
export type AssignorName = (typeof ASSIGNORS)[number];

/** `memberEpoch` values with a meaning of their own. */
export const MemberEpoch = {
  /** Joining: the coordinator gives the member an id (unless `memberId` is set) and epoch 1 or more. */
  JOIN: 0,
  /** Leaving for good: the member's partitions are freed at once. */
  LEAVE: -1,
  /** A static member (`groupInstanceId`) leaving for a restart: it keeps its partitions until its session expires. */
  LEAVE_STATIC: -2,
} as const;

/** Longest `subscribedPattern` accepted, in UTF-16 code units: the broker matches it against every topic name. */
export const MAX_PATTERN_LENGTH = 256;

/**
 * A member's heartbeat: joins (epoch 0), keeps the session alive, reports what it owns, or leaves (epoch -1/-2).
 * Fields marked optional may be left out when unchanged since the previous heartbeat; a join must carry a
 * subscription (`subscribedTopics` or `subscribedPattern`).
 */
export const groupHeartbeatRequest = object({
  groupId,
  /** '' on a first join: the coordinator makes one up. */
  memberId,
  memberEpoch: int({ min: -2 }),
  /** Static membership: a stable id of this consumer instance across restarts. */
  groupInstanceId: optional(str({ maxLength: 255, pattern: GROUP_ID })),
  clientId: optional(str({ maxLength: 256 })),
  /** Topics to consume. */
  subscribedTopics: optional(array(topicName, { maxLength: 10_000 })),
  /**
   * A regular expression matched against whole topic names, instead of a topic list: the source of a JavaScript
   * RegExp without flags, in the part of its syntax RE2 shares (protocol.md 17.2).
   */
  subscribedPattern: optional(str({ maxLength: MAX_PATTERN_LENGTH })),
  assignor: optional(literal(...ASSIGNORS)),
  /** Silence after which the coordinator expires the member. Default 45 000. */
  sessionTimeoutMs: optional(int({ min: 1_000, max: 300_000 })),
  /** Longest the member may take to release a revoked partition before it is expired. Default 60 000. */
  rebalanceTimeoutMs: optional(int({ min: 1_000, max: 600_000 })),
  /** Every partition the member owns now (revoked ones already released). Left out: unchanged. */
  owned: optional(array(topicPartitions, { maxLength: 10_000 })),
});
export const groupHeartbeatResponse = object({
  memberId: str(),
  memberEpoch: int(),
  /** How often the member should heartbeat. */
  heartbeatIntervalMs: int(),
  /**
   * The partitions the member may own now (null: unchanged since the last answer). Owned partitions missing from
   * it are revoked: commit, stop reading, and report them gone in the next heartbeat (send it at once).
   */
  assignment: nullable(array(topicPartitions)),
});

/** A committed position: the offset of the next record to process. */
const committedOffset = object({
  topic: topicName,
  partition: partitionNumber,
  offset: int({ min: 0 }),
  metadata: optional(str({ maxLength: 4096 })),
});

/**
 * Commits offsets. `memberEpoch` fences zombies: it must be the member's current epoch (or the one before, for
 * partitions it still owned then). An admin commit (reset-offsets) uses memberId '' and epoch -1, and is
 * refused with GROUP_NOT_EMPTY while the group has members.
 */
export const commitOffsetsRequest = object({
  groupId,
  memberId,
  memberEpoch: int({ min: -1 }),
  offsets: array(committedOffset, { maxLength: 100_000 }),
});
export const commitOffsetsResponse = object({
  results: array(object({ topic: str(), partition: int(), error: optional(wireError) })),
});

/** Committed offsets of a group: the given partitions, or every partition with a commit. */
export const fetchOffsetsRequest = object({ groupId, partitions: optional(array(topicPartitions)) });
/** `offset` is -1 where nothing is committed. */
export const fetchOffsetsResponse = object({
  offsets: array(object({ topic: str(), partition: int(), offset: int({ min: -1 }), metadata: str() })),
});

/** Which broker coordinates a group (the leader of the `__offsets` partition the group id hashes to). */
export const findCoordinatorRequest = object({ groupId });
export const findCoordinatorResponse = object({ coordinatorId: int(), offsetsPartition: int() });

/** The groups this broker coordinates (an admin asks every broker). */
export const listGroupsRequest = object({});
export const listGroupsResponse = object({
  groups: array(object({ groupId: str(), state: str(), members: int() })),
});

const groupMember = object({
  memberId: str(),
  groupInstanceId: nullable(str()),
  clientId: str(),
  memberEpoch: int(),
  subscribedTopics: array(str()),
  assignment: array(topicPartitions),
});

/** Members, assignment and per-partition progress of groups this broker coordinates. */
export const describeGroupsRequest = object({ groupIds: array(groupId, { maxLength: 1000 }) });
export const describeGroupsResponse = object({
  groups: array(
    object({
      groupId: str(),
      error: optional(wireError),
      /** 'empty' | 'stable' | 'reconciling' | 'dead'. */
      state: str(),
      groupEpoch: int(),
      assignor: str(),
      members: array(groupMember),
      /** Every partition with a commit or an owner: committed offset (-1 none), log end, lag (log end - committed). */
      offsets: array(
        object({
          topic: str(),
          partition: int(),
          committed: int(),
          logEndOffset: int(),
          lag: int(),
          memberId: nullable(str()),
        }),
      ),
    }),
  ),
});

/** Deletes groups with no members, with their committed offsets. */
export const deleteGroupsRequest = object({ groupIds: array(groupId, { maxLength: 1000 }) });
export const deleteGroupsResponse = object({
  results: array(object({ groupId: str(), error: optional(wireError) })),
});
