import type { ApiHandler } from '../handler.js';
import { adminHandlers } from './admin.js';
import { coreHandlers } from './core.js';
import { groupHandlers } from './groups.js';
import { saslHandlers } from './sasl.js';
import { transactionHandlers } from './transactions.js';

/** Every API the mock brokers answer; ApiVersions advertises exactly these. */
export const handlers: readonly ApiHandler[] = [
  ...coreHandlers,
  ...groupHandlers,
  ...transactionHandlers,
  ...adminHandlers,
  ...saslHandlers,
];
