import { Fetch, JoinGroup, Produce, SyncGroup, type Api } from '../protocol/messages/index.js';

/**
 * What a connection to a broker is for. A broker answers the requests of one connection one at
 * a time, in order, so a request that waits on the broker side (a Fetch long poll, a JoinGroup
 * held until the group has rebalanced, a Produce waiting for replicas) would hold up everything
 * behind it on its connection. Each purpose gets a connection of its own.
 */
export type ConnectionPurpose = 'control' | 'fetch' | 'group' | 'produce';

/**
 * The order in which purposes get a connection of their own when `maxConnectionsPerBroker` is
 * less than their number: the rest share the control connection (metadata, heartbeats,
 * commits, coordinator lookups, transactions, admin).
 */
export const CONNECTION_PURPOSES: readonly ConnectionPurpose[] = ['control', 'fetch', 'group', 'produce'];

const BY_API = new Map<number, ConnectionPurpose>([
  [Fetch.apiKey, 'fetch'],
  [JoinGroup.apiKey, 'group'],
  [SyncGroup.apiKey, 'group'],
  [Produce.apiKey, 'produce'],
]);

/** The purpose a request goes out for unless its caller names one. */
export const purposeOf = (api: Pick<Api<unknown, unknown>, 'apiKey'>): ConnectionPurpose => BY_API.get(api.apiKey) ?? 'control';

/** The purpose whose connection carries `purpose`'s requests, with at most `max` connections. */
export function connectionFor(purpose: ConnectionPurpose, max: number): ConnectionPurpose {
  return CONNECTION_PURPOSES.indexOf(purpose) < max ? purpose : 'control';
}
