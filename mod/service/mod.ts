/**
 * @module
 * Running PicoClaw as a systemd service: the hardened unit and `picoclaw install-service`.
 */

export { DEFAULT_UNIT_FILE, installService, type InstallServiceRequest } from "./install.ts";
export { type ServiceOptions, serviceUnit } from "./unit.ts";
