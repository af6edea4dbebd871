/** Usage text for `picoclaw --help` and for every command's `--help`. */
export const USAGE: Record<string, string> = {
  main: `Usage: picoclaw [command] [flags]

PicoClaw: a Pico Channel gateway (WebSocket chat + HTTP API) and a web launcher dashboard.

Commands:
  (none)                     launcher mode: gateway (18790) + dashboard (18800) in one process
  gateway                    gateway only, no dashboard, logs to stderr
  token generate [--bytes N] print a new random token (N bytes as hex, default 32)
  token reset-launcher       write a new random launcher token to launcher-config.json and print it
  config show [--changed]    print the effective config with the source of each value (secrets masked)
  config check               validate every config layer; exit 0 "config ok" or 2 with every problem
  version                    print version, Bun version and target
  install-service            install a systemd unit running picoclaw as an unprivileged user

Flags:
  --console, -console  launcher mode, and print the dashboard URL and launcher token
  --home DIR           config home (PICOCLAW_HOME; default ~/.picoclaw)
  --config FILE        path of config.json (PICOCLAW_CONFIG); .security.yml is read beside it
  --port N             launcher dashboard port (default 18800)
  --public             listen on all interfaces instead of loopback (launcher and gateway)
  --version            same as "version"
  -h, --help           this help; "picoclaw <command> --help" for one command

Exit codes: 0 ok, 1 runtime failure (e.g. port in use), 2 usage or config error.
`,
  gateway: `Usage: picoclaw gateway [--home DIR] [--config FILE] [--public]

Runs the gateway only: the Pico Channel WebSocket at /pico and the HTTP API
(/health, /api/status, /api/messages, /metrics) on gateway.host:gateway.port
(default 127.0.0.1:18790). Logs to stderr. SIGINT/SIGTERM stop it cleanly.
`,
  token: `Usage: picoclaw token generate [--bytes N]
       picoclaw token reset-launcher [--home DIR]

generate        prints a new random token from a CSPRNG: N bytes (default 32) as lowercase hex.
                Put it in .security.yml as channels.pico.token, or in PICOCLAW_CHANNELS_PICO_TOKEN.
reset-launcher  writes a new random launcher token to launcher-config.json (0600) and prints it:
                the way back in after a lost token. A running launcher switches to it within
                2 s and signs every dashboard session out.
`,
  config: `Usage: picoclaw config show [--changed] | check [--home DIR] [--config FILE]

  show   print the effective config as JSON; each value has {value, source} where source is
         default, config.json, .security.yml, launcher-config.json, env or flag; secrets masked
         --changed: only the values that differ from the built-in defaults
  check  load and validate every layer; prints "config ok" (exit 0) or every problem (exit 2)
`,
  "install-service": `Usage: picoclaw install-service [--user NAME] [--home DIR] [--public] [--print] [--unit-file FILE]

Writes a hardened systemd unit (default /etc/systemd/system/picoclaw.service, needs root)
that runs this binary in launcher mode as NAME (default: the user behind sudo), with
PICOCLAW_HOME=DIR (default ~NAME/.picoclaw, created 0700). --print only prints the unit.
Then: sudo systemctl daemon-reload && sudo systemctl enable --now picoclaw
`,
  version: `Usage: picoclaw version

Prints the PicoClaw version and commit, the Bun version and the target platform.
`,
};
