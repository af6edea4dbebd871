/**
 * @module
 * zod for every schema of the program, in its small build (`zod/mini`: functions instead of
 * chained methods, a few MB less memory and a faster start than classic zod). `zod/mini`
 * ships without message texts; the English ones are loaded here, once, for every schema.
 */

import * as z from "zod/mini";

z.config(z.locales.en());

export { z };
