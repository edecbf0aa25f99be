import type { ApiHandler } from '../handler.js';

export const groupHandlers: readonly ApiHandler[] = [];
