export * from "./types";
export * from "./kind";
export * from "./ack";
export * from "./existing";
export * from "./select";
export { planAckNetwork } from "./ackPlan";
export { renderKindConfig, renderHostsToml } from "./kindConfig";
