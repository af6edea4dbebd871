/** What the systemd unit runs, and as whom. */
export interface ServiceOptions {
  /** Absolute path of the picoclaw executable. */
  binary: string;
  user: string;
  group: string;
  /** PICOCLAW_HOME of the service; the only place it may write. */
  home: string;
  /** Listen on all interfaces (`--public`). */
  public: boolean;
}

/** systemd quotes: a value with spaces or quotes goes in double quotes with escapes. */
function quote(value: string): string {
  return /^[A-Za-z0-9_./:@+-]+$/.test(value) ? value : `"${value.replace(/(["\\])/g, "\\$1")}"`;
}

/**
 * The systemd unit for PicoClaw: an unprivileged user, `PICOCLAW_HOME` under its home,
 * `Restart=on-failure`, and hardening that leaves it write access to that directory only.
 * No `MemoryDenyWriteExecute`: Bun's JavaScript JIT needs writable-executable memory.
 */
export function serviceUnit(options: ServiceOptions): string {
  const exec = [options.binary, ...(options.public ? ["--public"] : [])].map(quote).join(" ");
  return `[Unit]
Description=PicoClaw gateway and launcher dashboard
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
User=${options.user}
Group=${options.group}
Environment=${quote(`PICOCLAW_HOME=${options.home}`)}
ExecStart=${exec}
Restart=on-failure
RestartSec=5
UMask=0077
NoNewPrivileges=true
ProtectSystem=strict
ProtectHome=read-only
ReadWritePaths=${quote(options.home)}
PrivateTmp=true
PrivateDevices=true
ProtectKernelTunables=true
ProtectKernelModules=true
ProtectControlGroups=true
ProtectClock=true
ProtectHostname=true
RestrictNamespaces=true
RestrictRealtime=true
RestrictSUIDSGID=true
LockPersonality=true
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX AF_NETLINK
SystemCallArchitectures=native
CapabilityBoundingSet=
AmbientCapabilities=

[Install]
WantedBy=multi-user.target
`;
}
