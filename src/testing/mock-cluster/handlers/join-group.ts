import { map, Observable } from 'rxjs';
import { ErrorCode } from '../../../protocol/error-codes.js';
import { JoinGroup, type Input, type JoinGroupResponse } from '../../../protocol/messages/index.js';
import { isCoordinatorFor } from '../group-coordinator.js';
import type { JoinAnswer } from '../group-state.js';
import { defineHandler, type RequestContext } from '../handler.js';

/** The Kafka client host a DescribeGroups answer names; the mock only listens on loopback. */
export const CLIENT_HOST = '/127.0.0.1';

function toResponse(a: JoinAnswer, ctx: RequestContext): Input<JoinGroupResponse> {
  return {
    throttleTimeMs: 0,
    errorCode: a.errorCode,
    generationId: a.generationId,
    protocolType: a.protocolType,
    // not nullable before v7
    protocolName: a.protocolName ?? (ctx.apiVersion < 7 ? '' : null),
    leader: a.leader,
    skipAssignment: a.skipAssignment,
    memberId: a.memberId,
    members: a.members,
  };
}

/** Answered when the group's rebalance completes, which may be long after the request came. */
export const joinGroupHandler = defineHandler(
  JoinGroup,
  { min: 0, max: 9 },
  (request, ctx) => {
    if (!isCoordinatorFor(ctx, request.groupId)) {
      return toResponse(
        { errorCode: ErrorCode.NOT_COORDINATOR, generationId: -1, protocolType: null, protocolName: null, leader: '', memberId: request.memberId, skipAssignment: false, members: [] },
        ctx,
      );
    }
    const coordinator = ctx.cluster.groups;
    return new Observable<JoinAnswer>((subscriber) => {
      coordinator.join(
        {
          groupId: request.groupId,
          memberId: request.memberId,
          groupInstanceId: request.groupInstanceId,
          sessionTimeoutMs: request.sessionTimeoutMs,
          // v0 has no rebalance timeout: the session timeout bounds the rebalance
          rebalanceTimeoutMs: ctx.apiVersion === 0 ? request.sessionTimeoutMs : request.rebalanceTimeoutMs,
          protocolType: request.protocolType,
          // decoded bytes are views into the request frame: keep copies
          protocols: request.protocols.map((p) => ({ name: p.name, metadata: Buffer.from(p.metadata) })),
          clientId: ctx.session.clientId ?? '',
          clientHost: CLIENT_HOST,
          requireKnownMemberId: ctx.apiVersion >= 4,
        },
        (answer) => {
          subscriber.next(answer);
          subscriber.complete();
        },
      );
    }).pipe(map((a) => toResponse(a, ctx)));
  },
  (request, code, ctx) =>
    toResponse({ errorCode: code, generationId: -1, protocolType: null, protocolName: null, leader: '', memberId: request.memberId, skipAssignment: false, members: [] }, ctx),
);
