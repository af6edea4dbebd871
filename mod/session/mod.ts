/**
 * @module
 * Launcher sessions and their protections: HMAC-signed session cookies with server-side
 * revocation (and the listeners that close a session's sockets), and the login guard
 * (client IP behind trusted proxies, allowed hosts, the brute-force limit, attempts).
 */

export {
  type GuardSettings,
  type LoginAttempt,
  type LoginAttemptRecord,
  LoginGuard,
  type LoginGuardOptions,
  type LoginVia,
} from "./login_guard.ts";
export { LoginLimiter, type LoginLimiterOptions } from "./login_limiter.ts";
export {
  SESSION_COOKIE,
  SESSION_MAX_AGE_S,
  type SessionCheck,
  type SessionEndListener,
  type SessionInfo,
  SessionManager,
} from "./sessions.ts";
