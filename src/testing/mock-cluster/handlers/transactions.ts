import type { ApiHandler } from '../handler.js';

export const transactionHandlers: readonly ApiHandler[] = [];
