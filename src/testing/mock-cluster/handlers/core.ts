import type { ApiHandler } from '../handler.js';
import { apiVersionsHandler } from './api-versions.js';
import { fetchHandler } from './fetch.js';
import { listOffsetsHandler } from './list-offsets.js';
import { metadataHandler } from './metadata.js';
import { produceHandler } from './produce.js';

export const coreHandlers: readonly ApiHandler[] = [
  apiVersionsHandler,
  metadataHandler,
  produceHandler,
  fetchHandler,
  listOffsetsHandler,
] as ApiHandler[];
