export * from "./NatsServer.ts"
