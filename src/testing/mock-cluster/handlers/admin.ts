import type { ApiHandler } from '../handler.js';

export const adminHandlers: readonly ApiHandler[] = [];
