/**
 * The NATS client's entry points, in a module of their own: `Nats.connection` imports this on demand, so commands
 * without NATS start without the client. A static import of the client's CommonJS modules, which the bundler gives
 * their named exports (a dynamic `import()` of them in the bundle gets only a default export).
 */
export { credsAuthenticator } from "@nats-io/nats-core"
export { connect } from "@nats-io/transport-node"
