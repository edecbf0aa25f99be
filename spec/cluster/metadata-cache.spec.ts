import { describe, expect, it } from 'vitest';
import { MetadataCache } from '../../src/cluster/metadata-cache.js';
import type { ClusterMetadata, TopicMetadata } from '../../src/cluster/metadata.js';

const topic = (name: string, leader = 1): TopicMetadata => ({
  name,
  topicId: null,
  isInternal: false,
  error: null,
  partitions: [{ partition: 0, leader, leaderEpoch: 0, replicas: [1], isr: [1], offlineReplicas: [], error: null }],
});
const meta = (...topics: TopicMetadata[]): ClusterMetadata => ({
  clusterId: 'c',
  controllerId: 1,
  brokers: [{ id: 1, host: 'h', port: 1, rack: null }],
  topics,
});

describe('MetadataCache', () => {
  it('serves a topic until its TTL passes', () => {
    let t = 0;
    const cache = new MetadataCache(1000, () => t);
    cache.store(meta(topic('a')), false);
    expect(cache.lookup(['a'])?.topics.map((x) => x.name)).toEqual(['a']);
    t = 999;
    expect(cache.lookup(['a'])).not.toBeNull();
    t = 1000;
    expect(cache.lookup(['a'])).toBeNull();
  });

  it('needs every asked topic, and a listing of all topics to answer for all', () => {
    const cache = new MetadataCache(1000, () => 0);
    cache.store(meta(topic('a')), false);
    expect(cache.lookup(['a', 'b'])).toBeNull();
    expect(cache.lookup(undefined)).toBeNull();
    cache.store(meta(topic('a'), topic('b')), true);
    expect(cache.lookup(undefined)?.topics.map((x) => x.name)).toEqual(['a', 'b']);
  });

  it('drops a topic on leadership errors only', () => {
    const cache = new MetadataCache(1000, () => 0);
    cache.store(meta(topic('a')), false);
    expect(cache.invalidate('a', 29)).toBe(false);
    expect(cache.lookup(['a'])).not.toBeNull();
    for (const code of [6, 3, 5]) {
      cache.store(meta(topic('a')), false);
      expect(cache.invalidate('a', code)).toBe(true);
      expect(cache.lookup(['a'])).toBeNull();
    }
  });

  it('does not keep a topic without a leader or with an error', () => {
    const cache = new MetadataCache(1000, () => 0);
    cache.store(meta(topic('a', -1)), false);
    expect(cache.lookup(['a'])).toBeNull();
  });
});
