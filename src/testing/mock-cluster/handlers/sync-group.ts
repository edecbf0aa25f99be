import { map, Observable } from 'rxjs';
import { ErrorCode } from '../../../protocol/error-codes.js';
import { SyncGroup } from '../../../protocol/messages/index.js';
import { isCoordinatorFor } from '../group-coordinator.js';
import type { SyncAnswer } from '../group-state.js';
import { defineHandler } from '../handler.js';

const failed = (errorCode: number): SyncAnswer => ({ errorCode, protocolType: null, protocolName: null, assignment: Buffer.alloc(0) });

/** A follower's answer waits for the leader's SyncGroup, which brings every assignment. */
export const syncGroupHandler = defineHandler(
  SyncGroup,
  { min: 0, max: 5 },
  (request, ctx) => {
    if (!isCoordinatorFor(ctx, request.groupId)) return { throttleTimeMs: 0, ...failed(ErrorCode.NOT_COORDINATOR) };
    const coordinator = ctx.cluster.groups;
    return new Observable<SyncAnswer>((subscriber) => {
      coordinator.sync(
        {
          groupId: request.groupId,
          generationId: request.generationId,
          memberId: request.memberId,
          groupInstanceId: request.groupInstanceId,
          protocolType: request.protocolType,
          protocolName: request.protocolName,
          assignments: request.assignments,
        },
        (answer) => {
          subscriber.next(answer);
          subscriber.complete();
        },
      );
    }).pipe(map((a) => ({ throttleTimeMs: 0, ...a })));
  },
  (_request, code) => failed(code),
);
