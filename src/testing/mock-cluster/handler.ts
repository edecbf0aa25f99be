import type { Observable } from 'rxjs';
import type { Api, Input } from '../../protocol/messages/index.js';
import type { ClusterState, MockBroker } from './state.js';

/** What one client connection has established (SASL progress, identity). */
export interface SessionState {
  clientId: string | null;
  /** True once SASL succeeded, or from the start on a listener without SASL. */
  authenticated: boolean;
  /** Mechanism chosen by SaslHandshake, awaiting SaslAuthenticate. */
  saslMechanism: string | null;
  /** Mechanism-specific state between SASL round trips (the SCRAM exchange). */
  saslExchange: unknown;
  principal: string | null;
}

export interface RequestContext {
  readonly cluster: ClusterState;
  /** The broker the request reached. */
  readonly broker: MockBroker;
  readonly session: SessionState;
  readonly apiVersion: number;
  readonly correlationId: number;
}

/** Returned by a handler for a request the broker does not answer (Produce with acks=0). */
export const NO_RESPONSE: unique symbol = Symbol('no response');

export type HandlerResult<Res> = Input<Res> | typeof NO_RESPONSE;

/**
 * A broker-side API: decodes are done for it; it gets the typed request and answers with a
 * response body, at once or later (long polls, coordinators waiting for members).
 */
export interface ApiHandler<Req = unknown, Res = unknown> {
  readonly api: Api<Req, Res>;
  handle(request: Req, ctx: RequestContext): HandlerResult<Res> | Promise<HandlerResult<Res>> | Observable<HandlerResult<Res>>;
  /**
   * The answer when the whole request fails with `code` (an injected error), shaped after the
   * request (every topic and partition it named). Default: errorCode fields at the top.
   */
  errorResponse?(request: Req, code: number, ctx: RequestContext): Input<Res>;
}

export function defineHandler<Req, Res>(
  api: Api<Req, Res>,
  handle: ApiHandler<Req, Res>['handle'],
  errorResponse?: ApiHandler<Req, Res>['errorResponse'],
): ApiHandler<Req, Res> {
  return { api, handle, errorResponse };
}
