import type { ErrorCode } from "./errors.ts";

/** The HTTP status for each error code (SPEC §3.1, §3.4, §5). */
export const STATUS_BY_CODE: Record<ErrorCode, number> = {
  config_error: 400,
  usage_error: 400,
  port_in_use: 500,
  write_failed: 500,
  channel_disabled: 503,
  origin_not_allowed: 403,
  unauthorized: 401,
  too_many_connections: 503,
  upgrade_required: 426,
  invalid_session_id: 400,
  invalid_message: 400,
  unknown_type: 400,
  empty_content: 400,
  invalid_media: 400,
  agent_error: 502,
  rate_limited: 429,
  invalid_request: 400,
  payload_too_large: 413,
  not_found: 404,
  invalid_token: 401,
  already_initialized: 409,
  csrf: 403,
  internal_error: 500,
};
