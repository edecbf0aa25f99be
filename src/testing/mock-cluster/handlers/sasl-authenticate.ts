import { ErrorCode } from '../../../protocol/error-codes.js';
import { SaslAuthenticate, type Input, type SaslAuthenticateResponse } from '../../../protocol/messages/index.js';
import { defineHandler, type RequestContext } from '../handler.js';
import { saslServerFor, SaslServerFailure, type SaslServerExchange } from '../scram-server.js';

function refuse(code: number, errorMessage: string): Input<SaslAuthenticateResponse> {
  return { errorCode: code, errorMessage, authBytes: Buffer.alloc(0), sessionLifetimeMs: 0n };
}

function exchangeOf(ctx: RequestContext): SaslServerExchange | undefined {
  const { session, cluster } = ctx;
  if (session.saslExchange === undefined && session.saslMechanism !== null && cluster.sasl !== undefined) {
    session.saslExchange = saslServerFor(session.saslMechanism, cluster.sasl.users);
  }
  return session.saslExchange as SaslServerExchange | undefined;
}

/**
 * One SASL round trip. On success the connection becomes authenticated; on failure it never
 * does, and the mechanism is forgotten, so only a new handshake (on a new connection, as
 * clients do) can try again. Messages name the mechanism, never the user or password.
 */
export const saslAuthenticateHandler = defineHandler(SaslAuthenticate, { min: 0, max: 2 }, (request, ctx) => {
  const { session } = ctx;
  if (session.authenticated) return refuse(ErrorCode.ILLEGAL_SASL_STATE, 'already authenticated');
  const mechanism = session.saslMechanism;
  const exchange = exchangeOf(ctx);
  if (mechanism === null || exchange === undefined) return refuse(ErrorCode.ILLEGAL_SASL_STATE, 'SaslAuthenticate before SaslHandshake');
  try {
    const step = exchange.step(request.authBytes);
    if (step.done) {
      session.authenticated = true;
      session.principal = step.principal;
      session.saslExchange = undefined;
    }
    return { errorCode: ErrorCode.NONE, errorMessage: null, authBytes: step.reply, sessionLifetimeMs: 0n };
  } catch (e) {
    if (!(e instanceof SaslServerFailure)) throw e;
    session.saslMechanism = null;
    session.saslExchange = undefined;
    ctx.cluster.log(`broker ${ctx.broker.id}: SASL ${mechanism} authentication failed: ${e.message}`);
    return refuse(ErrorCode.SASL_AUTHENTICATION_FAILED, `Authentication failed with SASL mechanism ${mechanism}: ${e.message}`);
  }
});
