/**
 * @module
 * Launcher sessions and their protections: HMAC-signed session cookies with server-side
 * revocation, and the per-IP brute-force limiter for login attempts.
 */

export { LoginLimiter, type LoginLimiterOptions } from "./login_limiter.ts";
export { SESSION_COOKIE, SESSION_MAX_AGE_S, type SessionCheck, SessionManager } from "./sessions.ts";
