import { firstValueFrom } from 'rxjs';
import { connect, type Connection } from '../../../src/network/index.js';
import type { Api, Input } from '../../../src/protocol/messages/index.js';
import type { MockCluster } from '../../../src/testing/index.js';

/** A raw protocol connection to one broker of a mock cluster, for group tests. */
export interface RawClient {
  readonly connection: Connection;
  call<Req, Res>(api: Api<Req, Res>, body: Input<Req>, version?: number): Promise<Res>;
  close(): void;
}

export async function openBroker(cluster: MockCluster, brokerId: number, clientId = 'groups-spec'): Promise<RawClient> {
  const broker = cluster.state.brokers.get(brokerId);
  if (broker === undefined) throw new Error(`no broker ${brokerId}`);
  return new Promise<RawClient>((resolve, reject) => {
    // the connection runs on real time; only the cluster may be on virtual time
    const subscription = connect({ host: broker.host, port: broker.port, clientId, requestTimeoutMs: 10_000 }).subscribe({
      next: (connection) =>
        resolve({
          connection,
          call: (api, body, version) => firstValueFrom(connection.request(api, body, version === undefined ? {} : { version })),
          close: () => subscription.unsubscribe(),
        }),
      error: reject,
    });
  });
}

/** A connection to the broker coordinating `groupId`. */
export async function openCoordinator(cluster: MockCluster, groupId: string, clientId?: string): Promise<RawClient> {
  const coordinator = cluster.state.coordinatorFor(groupId);
  if (coordinator === undefined) throw new Error('no coordinator');
  return openBroker(cluster, coordinator.id, clientId);
}

/** Some broker that does not coordinate `groupId`. */
export function otherBroker(cluster: MockCluster, groupId: string): number {
  const coordinator = cluster.state.coordinatorFor(groupId)?.id;
  const other = [...cluster.state.brokers.keys()].find((id) => id !== coordinator);
  if (other === undefined) throw new Error('a single-broker cluster has no other broker');
  return other;
}
