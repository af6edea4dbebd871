import { randomBytes } from "node:crypto";
import { connect, type Socket } from "node:net";

/** A WebSocket frame as it came off the wire. */
export interface RawFrame {
  opcode: number;
  payload: Buffer;
}

/** The server's answer to a handshake, and (after 101) a raw WebSocket on the same socket. */
export interface RawHandshake {
  status: number;
  headers: Record<string, string>;
  body: string;
  socket: Socket;
  /** Frames received so far (after a 101). */
  frames: RawFrame[];
  /** Waits for a frame with this opcode (1 text, 8 close, 9 ping, 10 pong). */
  waitFrame(opcode: number, timeoutMs?: number): Promise<RawFrame>;
  /** Sends a masked frame, as a client must. */
  sendFrame(opcode: number, payload: Buffer | string): void;
  /** Whether the TCP connection has ended. */
  closed(): boolean;
  close(): void;
}

/** Options for `rawHandshake()`. */
export interface RawHandshakeOptions {
  method?: string;
  headers?: Record<string, string>;
  /** Leave out the WebSocket upgrade headers (a plain HTTP request). */
  plain?: boolean;
  /** Answer server pings with pongs. @default false */
  autoPong?: boolean;
}

function encodeFrame(opcode: number, payload: Buffer): Buffer {
  const mask = randomBytes(4);
  const len = payload.length;
  const head = len < 126
    ? Buffer.from([0x80 | opcode, 0x80 | len])
    : len < 65536
    ? Buffer.from([0x80 | opcode, 0x80 | 126, len >> 8, len & 0xff])
    : Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | 127]), bigLength(len)]);
  const masked = Buffer.alloc(len);
  for (let i = 0; i < len; i++) masked[i] = payload[i] ^ mask[i % 4];
  return Buffer.concat([head, mask, masked]);
}

function bigLength(len: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(len));
  return b;
}

/** Parses complete server frames from `buf`; returns them and the unread rest. */
function decodeFrames(buf: Buffer): { frames: RawFrame[]; rest: Buffer } {
  const frames: RawFrame[] = [];
  let offset = 0;
  for (;;) {
    if (buf.length - offset < 2) break;
    const opcode = buf[offset] & 0x0f;
    let len = buf[offset + 1] & 0x7f;
    let headLen = 2;
    if (len === 126) {
      if (buf.length - offset < 4) break;
      len = buf.readUInt16BE(offset + 2);
      headLen = 4;
    } else if (len === 127) {
      if (buf.length - offset < 10) break;
      len = Number(buf.readBigUInt64BE(offset + 2));
      headLen = 10;
    }
    if (buf.length - offset < headLen + len) break;
    frames.push({ opcode, payload: buf.subarray(offset + headLen, offset + headLen + len) });
    offset += headLen + len;
  }
  return { frames, rest: buf.subarray(offset) };
}

/**
 * Sends an HTTP/1.1 request (by default a WebSocket upgrade) over a raw TCP socket, so tests
 * see the exact status, headers and body of refused handshakes, and can play a client that
 * never answers pings or never reads.
 */
export function rawHandshake(port: number, path: string, options: RawHandshakeOptions = {}): Promise<RawHandshake> {
  const socket = connect(port, "127.0.0.1");
  const lines = [`${options.method ?? "GET"} ${path} HTTP/1.1`, `Host: 127.0.0.1:${port}`];
  if (!options.plain) {
    lines.push(
      "Upgrade: websocket",
      "Connection: Upgrade",
      `Sec-WebSocket-Key: ${randomBytes(16).toString("base64")}`,
      "Sec-WebSocket-Version: 13",
    );
  } else {
    lines.push("Connection: close");
  }
  for (const [name, value] of Object.entries(options.headers ?? {})) lines.push(`${name}: ${value}`);
  socket.write(`${lines.join("\r\n")}\r\n\r\n`);

  return new Promise((resolve, reject) => {
    let buf: Buffer = Buffer.alloc(0);
    let result: RawHandshake | undefined;
    let ended = false;
    const waiters: { opcode: number; resolve: (f: RawFrame) => void }[] = [];
    const deliver = () => {
      if (!result) return;
      const { frames, rest } = decodeFrames(buf);
      buf = rest;
      for (const frame of frames) {
        result.frames.push(frame);
        if (frame.opcode === 9 && options.autoPong) result.sendFrame(10, frame.payload);
        for (const w of waiters.filter((w) => w.opcode === frame.opcode)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(frame);
        }
      }
    };
    socket.on("error", (err) => {
      ended = true;
      if (!result) reject(err);
    });
    socket.on("close", () => {
      ended = true;
      if (!result) reject(new Error(`Connection closed before an answer: ${buf.toString()}`));
    });
    socket.on("data", (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (result) return deliver();
      const end = buf.indexOf("\r\n\r\n");
      if (end < 0) return;
      const [statusLine, ...headerLines] = buf.subarray(0, end).toString().split("\r\n");
      const headers: Record<string, string> = {};
      for (const line of headerLines) {
        const i = line.indexOf(":");
        headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
      }
      const status = Number(statusLine.split(" ")[1]);
      const length = Number(headers["content-length"] ?? 0);
      if (status !== 101 && buf.length < end + 4 + length) return;
      const body = status === 101 ? "" : buf.subarray(end + 4, end + 4 + length).toString();
      buf = status === 101 ? buf.subarray(end + 4) : Buffer.alloc(0);
      result = {
        status,
        headers,
        body,
        socket,
        frames: [],
        waitFrame: (opcode, timeoutMs = 10_000) => {
          const seen = result!.frames.find((f) => f.opcode === opcode);
          if (seen) return Promise.resolve(seen);
          return new Promise((res, rej) => {
            const timer = setTimeout(() => rej(new Error(`No frame with opcode ${opcode}`)), timeoutMs);
            waiters.push({
              opcode,
              resolve: (f) => {
                clearTimeout(timer);
                res(f);
              },
            });
          });
        },
        sendFrame: (opcode, payload) => {
          socket.write(encodeFrame(opcode, Buffer.isBuffer(payload) ? payload : Buffer.from(payload)));
        },
        closed: () => ended,
        close: () => socket.destroy(),
      };
      resolve(result);
      deliver();
    });
  });
}

/** The close code in a close frame's payload. */
export function closeCode(frame: RawFrame): number {
  return frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : 1005;
}
