// Compiles the specs and everything they import with swc through ts-node: type checking is its own
// stage of `npm test` (tsc --noEmit), and TypeScript's own transpiler cost more than the tests it ran.
"use strict";
require("ts-node").register({ transpileOnly: true, swc: true });
