/**
 * @module
 * HTTP pieces both servers share: the one error-to-response mapping (`onError`,
 * `notFound`) and the client address of a request.
 */

export { createErrorHandler, errorResponse, handleNotFound } from "./errors.ts";
export { clientAddress } from "./client_address.ts";
