export * from "./NatsServer.ts"
export * from "./Wait.ts"
