import type { ApiHandler } from '../handler.js';

export const saslHandlers: readonly ApiHandler[] = [];
