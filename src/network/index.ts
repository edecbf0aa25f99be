export { connect, type Connection, type ConnectionOptions, type ConnectionStats, type RequestOptions } from './connection.js';
export { FrameTooLargeError, KafkaConnectionError, RequestTimeoutError, UnsupportedVersionError } from './errors.js';
export { pickVersion, type VersionRange } from './negotiate.js';
export { socketTransport, type Transport, type TransportSocket, type TransportTarget } from './transport.js';
export { authenticate, type SaslOptions } from './authenticate.js';
export { SASL_MECHANISMS, SaslAuthenticationError, type SaslCredentials, type SaslMechanism } from './sasl/index.js';
