/**
 * Partition assignors: the Java client's three built-in strategies, under their protocol names,
 * so rxkafka members can lead or join groups with Java and librdkafka members.
 */
import type { Assignor } from './assignor.js';
import { cooperativeStickyAssignor } from './cooperative-sticky.js';
import { rangeAssignor } from './range.js';
import { roundRobinAssignor } from './roundrobin.js';

export type { Assignor, AssignorMember, MemberAssignment, SubscriptionContext } from './assignor.js';
export { rangeAssignor } from './range.js';
export { roundRobinAssignor } from './roundrobin.js';
export { cooperativeStickyAssignor, generationUserData, memberGeneration } from './cooperative-sticky.js';

export type BuiltInAssignorName = 'range' | 'roundrobin' | 'cooperative-sticky';

const builtIn: ReadonlyMap<string, Assignor> = new Map<BuiltInAssignorName, Assignor>([
  ['range', rangeAssignor],
  ['roundrobin', roundRobinAssignor],
  ['cooperative-sticky', cooperativeStickyAssignor],
]);

/** The built-in assignor of that protocol name; undefined for any other name. */
export function builtInAssignor(name: BuiltInAssignorName): Assignor;
export function builtInAssignor(name: string): Assignor | undefined;
export function builtInAssignor(name: string): Assignor | undefined {
  return builtIn.get(name);
}

/** True for the names `builtInAssignor` knows. */
export const isBuiltInAssignorName = (name: string): name is BuiltInAssignorName => builtIn.has(name);
