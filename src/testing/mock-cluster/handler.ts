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
/** The versions of an API a handler implements, inclusive. */
export interface VersionRange {
  readonly min: number;
  readonly max: number;
}

export interface ApiHandler<Req = unknown, Res = unknown> {
  readonly api: Api<Req, Res>;
  /**
   * What it implements: ApiVersions advertises exactly this, and other versions are answered
   * UNSUPPORTED_VERSION. Declared by hand, so a regenerated message set that can encode newer
   * versions never makes the broker claim to serve them.
   */
  readonly versions: VersionRange;
  handle(request: Req, ctx: RequestContext): HandlerResult<Res> | Promise<HandlerResult<Res>> | Observable<HandlerResult<Res>>;
  /**
   * The answer when the whole request fails with `code` (an injected error), shaped after the
   * request (every topic and partition it named). Default: errorCode fields at the top.
   */
  errorResponse?(request: Req, code: number, ctx: RequestContext): Input<Res>;
}

export function defineHandler<Req, Res>(
  api: Api<Req, Res>,
  versions: VersionRange,
  handle: ApiHandler<Req, Res>['handle'],
  errorResponse?: ApiHandler<Req, Res>['errorResponse'],
): ApiHandler<Req, Res> {
  return { api, versions, handle, errorResponse };
}

/** Whether `handler` implements `version`. */
export const serves = (handler: ApiHandler, version: number): boolean => version >= handler.versions.min && version <= handler.versions.max;
