import { ApiVersions } from '../../../protocol/messages/index.js';
import { defineHandler } from '../handler.js';

export const apiVersionsHandler = defineHandler(ApiVersions, { min: 0, max: 4 }, (_request, ctx) => ({
  errorCode: 0,
  apiKeys: [...ctx.cluster.served],
  throttleTimeMs: 0,
}));
