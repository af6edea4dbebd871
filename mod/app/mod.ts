/**
 * @module
 * The long-running process: wires the loaded config to the gateway, the launcher and
 * the Pico client, and stops them all cleanly on SIGINT/SIGTERM.
 */

export { type ProcessIO, type ProcessMode, runServerProcess } from "./run.ts";
export { waitForStopSignal, withDeadline } from "./signals.ts";
