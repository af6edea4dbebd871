/**
 * @module
 * Reconnect timing shared by everything that dials out (the Pico client, Telegram, Discord, the
 * cluster's Redis link): a delay doubling from a first value to a cap, with jitter, reset once a
 * connection has been healthy.
 */

export { Backoff, backoffDelay, type BackoffOptions } from "./backoff.ts";
