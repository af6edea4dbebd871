/**
 * @module
 * A child process for the kill -9 test: loads the config of `PICOCLAW_HOME` and rewrites
 * `.security.yml`, `config.json` and `launcher-config.json` through the ConfigStore in a
 * loop (values `token-<n>`, port `20000 + n`, `launcher-<n>`), printing `wrote <n>` after
 * each round, until it is killed.
 */

import { ConfigStore, loadConfig } from "../../mod/config/mod.ts";

const store = new ConfigStore(await loadConfig({ env: process.env }));
const start = Number(process.env.WRITER_START ?? 0);
for (let n = start;; n++) {
  await store.update([{ key: "channels.pico.token", value: `token-${String(n).padStart(6, "0")}` }]);
  await store.update([{ key: "gateway.port", value: 20000 + (n % 40000) }]);
  await store.update([{ key: "launcher.launcher_token", value: `launcher-${String(n).padStart(6, "0")}` }]);
  process.stdout.write(`wrote ${n}\n`);
}
