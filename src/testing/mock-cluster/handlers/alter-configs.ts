import { ErrorCode } from '../../../protocol/error-codes.js';
import { AlterConfigs } from '../../../protocol/messages/index.js';
import { defineHandler } from '../handler.js';
import { alterResources } from './admin-alter.js';
import { topicConfigProblem } from './admin-topic-configs.js';

/** AlterConfigs replaces a topic's whole config set: what it does not name returns to the default. */
export const alterConfigsHandler = defineHandler(
  AlterConfigs,
  { min: 0, max: 2 },
  (request, ctx) => ({
    throttleTimeMs: 0,
    responses: alterResources(request.resources, request.validateOnly, ctx, (resource) => {
      const configs = new Map<string, string>();
      for (const c of resource.configs) {
        const problem = topicConfigProblem(c.name, c.value);
        if (problem !== null) return { code: ErrorCode.INVALID_CONFIG, message: problem };
        configs.set(c.name, c.value ?? '');
      }
      return configs;
    }),
  }),
  (request, code) => ({
    responses: request.resources.map((r) => ({ resourceType: r.resourceType, resourceName: r.resourceName, errorCode: code, errorMessage: null })),
  }),
);
