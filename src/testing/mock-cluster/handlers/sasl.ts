import type { ApiHandler } from '../handler.js';
import { saslAuthenticateHandler } from './sasl-authenticate.js';
import { saslHandshakeHandler } from './sasl-handshake.js';

export const saslHandlers: readonly ApiHandler[] = [saslHandshakeHandler, saslAuthenticateHandler] as ApiHandler[];
