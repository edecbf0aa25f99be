import { firstValueFrom, NEVER, takeUntil, type Observable } from 'rxjs';
import type { ClusterClient } from '../cluster/index.js';
import { KafkaError } from '../errors.js';
import { IsolationLevel } from '../protocol/enums.js';
import { kafkaErrorFromCode } from '../protocol/error-codes.js';
import { ListOffsets, OffsetCommit, OffsetFetch } from '../protocol/messages/index.js';
import type { IsolationLevelName } from './config.js';
import { byTopic, partitionKey, type TopicPartition } from '../topic-partition.js';

/** ListOffsets' special timestamps. */
export const EARLIEST = -2n;
export const LATEST = -1n;

export const isolationCode = (level: IsolationLevelName): number =>
  level === 'read_committed' ? IsolationLevel.READ_COMMITTED : IsolationLevel.READ_UNCOMMITTED;

export type OffsetAnswer = { offset: bigint; error: null } | { offset: null; error: KafkaError };

/**
 * The earliest or latest offset of partitions led by one broker (read_committed: the last
 * stable offset for latest). Per partition: its offset, or its error.
 */
export async function listOffsets(
  client: ClusterClient,
  leader: number,
  isolation: IsolationLevelName,
  parts: ReadonlyArray<TopicPartition & { timestamp: bigint; leaderEpoch: number }>,
): Promise<Map<string, OffsetAnswer>> {
  const res = await firstValueFrom(
    client.request({ nodeId: leader }, ListOffsets, {
      replicaId: -1,
      isolationLevel: isolationCode(isolation),
      topics: [...byTopic(parts)].map(([name, list]) => ({
        name,
        partitions: list.map((p) => ({ partitionIndex: p.partition, currentLeaderEpoch: p.leaderEpoch, timestamp: p.timestamp, maxNumOffsets: 1 })),
      })),
    }),
  );
  const out = new Map<string, OffsetAnswer>();
  for (const t of res.topics) {
    for (const p of t.partitions) {
      const offset = p.offset >= 0n ? p.offset : (p.oldStyleOffsets[0] ?? -1n);
      out.set(
        partitionKey(t.name, p.partitionIndex),
        p.errorCode !== 0 ? { offset: null, error: kafkaErrorFromCode(p.errorCode, `ListOffsets ${t.name}[${p.partitionIndex}]`) } : { offset, error: null },
      );
    }
  }
  return out;
}

/**
 * A group's committed offsets for partitions: the offset, or null where none is committed.
 * requireStable (v7+) waits for pending transactional commits to settle, as the Java client does.
 */
export async function fetchCommitted(client: ClusterClient, groupId: string, parts: readonly TopicPartition[]): Promise<Map<string, bigint | null>> {
  const topics = [...byTopic(parts)].map(([name, list]) => ({ name, partitionIndexes: list.map((p) => p.partition) }));
  const res = await firstValueFrom(
    client.request({ coordinator: { type: 'group', key: groupId } }, OffsetFetch, {
      groupId,
      topics,
      groups: [{ groupId, memberId: null, memberEpoch: -1, topics }],
      requireStable: true,
    }),
  );
  const group = res.groups.length > 0 ? res.groups[0] : { errorCode: res.errorCode, topics: res.topics };
  if (group.errorCode !== 0) throw kafkaErrorFromCode(group.errorCode, `OffsetFetch for group ${groupId}`);
  const out = new Map<string, bigint | null>();
  for (const t of group.topics) {
    for (const p of t.partitions) {
      if (p.errorCode !== 0) throw kafkaErrorFromCode(p.errorCode, `OffsetFetch ${t.name}[${p.partitionIndex}] for group ${groupId}`);
      out.set(partitionKey(t.name, p.partitionIndex), p.committedOffset >= 0n ? p.committedOffset : null);
    }
  }
  return out;
}

/** Who commits: a group member of a generation, or (no group membership) nobody in particular. */
export interface CommitIdentity {
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
}

export const NO_MEMBER: CommitIdentity = { generationId: -1, memberId: '', groupInstanceId: null };

/**
 * Commits offsets for a group; resolves with each partition's error, if it had one. `abandon`
 * emitting ends it unanswered (a KafkaError): the generation it was made for is over.
 */
export async function commitOffsets(
  client: ClusterClient,
  groupId: string,
  member: CommitIdentity,
  offsets: ReadonlyArray<TopicPartition & { offset: bigint; leaderEpoch: number }>,
  abandon: Observable<unknown> = NEVER,
): Promise<Map<string, KafkaError>> {
  const request = client.request({ coordinator: { type: 'group', key: groupId } }, OffsetCommit, {
    groupId,
    generationIdOrMemberEpoch: member.generationId,
    memberId: member.memberId,
    groupInstanceId: member.groupInstanceId,
    retentionTimeMs: -1n,
    topics: [...byTopic(offsets)].map(([name, list]) => ({
      name,
      partitions: list.map((o) => ({ partitionIndex: o.partition, committedOffset: o.offset, committedLeaderEpoch: o.leaderEpoch, commitTimestamp: -1n, committedMetadata: null })),
    })),
  });
  // retries resend the same body: once its generation is over, none may go (it names partitions
  // that may be another member's by then)
  const res = await firstValueFrom(request.pipe(takeUntil(abandon)), { defaultValue: null });
  if (res === null) throw new KafkaError(`OffsetCommit for group ${groupId} abandoned: generation ${member.generationId} ended before it was answered`);
  const failed = new Map<string, KafkaError>();
  for (const t of res.topics) {
    for (const p of t.partitions) {
      if (p.errorCode !== 0) failed.set(partitionKey(t.name, p.partitionIndex), kafkaErrorFromCode(p.errorCode, `OffsetCommit ${t.name}[${p.partitionIndex}] for group ${groupId}`));
    }
  }
  return failed;
}
