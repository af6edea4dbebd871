/**
 * @module
 * Errors the user should see. Each carries a stable code from SPEC.md; the edges
 * (HTTP `onError`, WebSocket `toErrorFrame`, the CLI in `main.ts`) map them to output
 * in one place each.
 */

export {
  ConfigError,
  type ConfigProblem,
  type ErrorCode,
  PicoclawError,
  type PicoclawErrorOptions,
  UsageError,
} from "./errors.ts";
export { STATUS_BY_CODE } from "./http_status.ts";
