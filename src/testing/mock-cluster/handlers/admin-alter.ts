import { ConfigResourceType } from '../../../protocol/enums.js';
import { ErrorCode } from '../../../protocol/error-codes.js';
import type { RequestContext } from '../handler.js';
import type { TopicState } from '../state.js';
import { duplicates } from './admin-rules.js';

export interface AlterResult {
  resourceType: number;
  resourceName: string;
  errorCode: number;
  errorMessage: string | null;
}

/**
 * What AlterConfigs and IncrementalAlterConfigs share: per resource, find the topic, compute
 * the new config set (all checks before any change, so a resource changes whole or not at
 * all) and store it unless validateOnly.
 */
export function alterResources<R extends { resourceType: number; resourceName: string; configs: Array<{ name: string }> }>(
  resources: readonly R[],
  validateOnly: boolean,
  ctx: RequestContext,
  next: (resource: R, topic: TopicState) => Map<string, string> | { code: number; message: string },
): AlterResult[] {
  const twice = duplicates(resources.map((r) => `${r.resourceType}:${r.resourceName}`));
  return resources.map((r) => {
    const result = (errorCode: number, errorMessage: string | null): AlterResult => ({
      resourceType: r.resourceType,
      resourceName: r.resourceName,
      errorCode,
      errorMessage,
    });
    if (twice.has(`${r.resourceType}:${r.resourceName}`)) return result(ErrorCode.INVALID_REQUEST, 'Duplicate resource in request.');
    if (duplicates(r.configs.map((c) => c.name)).size > 0) return result(ErrorCode.INVALID_REQUEST, 'Duplicate config names for one resource.');
    if (r.resourceType === ConfigResourceType.BROKER) return result(ErrorCode.INVALID_REQUEST, 'MockCluster broker configs are static.');
    if (r.resourceType !== ConfigResourceType.TOPIC) return result(ErrorCode.INVALID_REQUEST, `Unsupported resource type ${r.resourceType}`);
    const topic = ctx.cluster.topics.get(r.resourceName);
    if (topic === undefined) return result(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic ${r.resourceName} does not exist`);
    const configs = next(r, topic);
    if (!(configs instanceof Map)) return result(configs.code, configs.message);
    if (!validateOnly) {
      topic.configs.clear();
      for (const [k, v] of configs) topic.configs.set(k, v);
    }
    return result(ErrorCode.NONE, null);
  });
}
