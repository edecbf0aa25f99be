import { ErrorCode } from '../../../protocol/error-codes.js';
import { SaslHandshake } from '../../../protocol/messages/index.js';
import { defineHandler } from '../handler.js';

/**
 * Picks the mechanism for the SaslAuthenticate round trips that follow. A v0 handshake would
 * make the client send raw SASL tokens without Kafka framing; the listener does not read those,
 * so clients must use v1 + SaslAuthenticate (KafkaJS and librdkafka do when it is advertised).
 */
export const saslHandshakeHandler = defineHandler(SaslHandshake, { min: 0, max: 1 }, (request, ctx) => {
  const mechanisms = ctx.cluster.sasl?.mechanisms ?? [];
  // After authentication, or on a listener without SASL, Kafka refuses a new handshake.
  if (ctx.session.authenticated) return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms };
  if (!mechanisms.includes(request.mechanism)) {
    ctx.session.saslMechanism = null;
    ctx.session.saslExchange = undefined;
    return { errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms };
  }
  ctx.session.saslMechanism = request.mechanism;
  ctx.session.saslExchange = undefined;
  return { errorCode: ErrorCode.NONE, mechanisms };
});
