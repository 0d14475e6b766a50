export * from "./Hold.ts"
export * from "./NatsServer.ts"
export * from "./PerFile.ts"
export * from "./Wait.ts"
