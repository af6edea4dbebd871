/**
 * @module
 * HTTP pieces both servers share: the one error-to-response mapping (`onError`,
 * `notFound`), and who a request comes from (peer address, trusted-proxy client IP,
 * HTTPS, the origin it addressed).
 */

export {
  clientAddress,
  clientIp,
  hostName,
  isHttpsRequest,
  isLoopbackAddress,
  isLoopbackHost,
  requestHost,
  requestOrigin,
} from "./client_address.ts";
export { createErrorHandler, errorResponse, handleNotFound } from "./errors.ts";
export { isAddressInUse, listen, type ListenOptions } from "./listen.ts";
export { invalidRequest, isJsonContentType, jsonBody, parseRequest } from "./validate.ts";
