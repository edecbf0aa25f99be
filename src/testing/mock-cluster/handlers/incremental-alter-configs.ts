import { AlterConfigOpType } from '../../../protocol/enums.js';
import { ErrorCode } from '../../../protocol/error-codes.js';
import { IncrementalAlterConfigs } from '../../../protocol/messages/index.js';
import { defineHandler } from '../handler.js';
import { TOPIC_CONFIG_DEFAULTS } from '../state.js';
import { alterResources } from './admin-alter.js';
import { isListConfig, splitList, topicConfigProblem } from './admin-topic-configs.js';

/** IncrementalAlterConfigs changes only what it names: set, delete (back to default), or edit a list. */
export const incrementalAlterConfigsHandler = defineHandler(
  IncrementalAlterConfigs,
  { min: 0, max: 1 },
  (request, ctx) => ({
    throttleTimeMs: 0,
    responses: alterResources(request.resources, request.validateOnly, ctx, (resource, topic) => {
      const configs = new Map(topic.configs);
      for (const c of resource.configs) {
        const current = configs.get(c.name) ?? TOPIC_CONFIG_DEFAULTS.get(c.name) ?? '';
        let value: string | null;
        switch (c.configOperation) {
          case AlterConfigOpType.SET:
            value = c.value;
            break;
          case AlterConfigOpType.DELETE:
            configs.delete(c.name);
            continue;
          case AlterConfigOpType.APPEND:
          case AlterConfigOpType.SUBTRACT: {
            if (!isListConfig(c.name)) return { code: ErrorCode.INVALID_CONFIG, message: `Config ${c.name} is not a list; APPEND and SUBTRACT need one.` };
            if (c.value === null) return { code: ErrorCode.INVALID_REQUEST, message: `Null value for ${c.name}` };
            const items = splitList(current);
            const given = splitList(c.value);
            const result = c.configOperation === AlterConfigOpType.APPEND ? [...items, ...given.filter((v) => !items.includes(v))] : items.filter((v) => !given.includes(v));
            value = result.join(',');
            break;
          }
          default:
            return { code: ErrorCode.INVALID_REQUEST, message: `Unknown config operation ${c.configOperation}` };
        }
        const problem = topicConfigProblem(c.name, value);
        if (problem !== null) return { code: ErrorCode.INVALID_CONFIG, message: problem };
        configs.set(c.name, value ?? '');
      }
      return configs;
    }),
  }),
  (request, code) => ({
    responses: request.resources.map((r) => ({ resourceType: r.resourceType, resourceName: r.resourceName, errorCode: code, errorMessage: null })),
  }),
);
