/**
 * @module
 * HTTP pieces both servers share: the one error-to-response mapping (`onError`,
 * `notFound`), and who a request comes from (peer address, trusted-proxy client IP,
 * HTTPS, the origin it addressed), and the OpenAPI document made from the routes' zod
 * schemas (`describe()` on each route, `openApiRoute()` to serve it).
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
export {
  describe,
  documentJsonBody,
  ErrorBodySchema,
  OkBodySchema,
  OPENAPI_PATH,
  openApiDocument,
  type OpenApiInfo,
  openApiRoute,
  type RouteDoc,
} from "./openapi.ts";
