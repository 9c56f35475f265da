export * from "./validate";
export * from "./names";
export * from "./labels";
export * from "./security";
export * from "./quantity";
export * from "./image";
export * from "./scheduling";
export * from "./types";
