/** A Bot API call the fake received (only calls with the right token). */
export interface FakeTelegramCall {
  method: string;
  params: Record<string, unknown>;
  /** When it arrived (ms since the epoch). */
  at: number;
  /** The HTTP status the fake answered. */
  status: number;
}

/** A message the bot sent, with its edits applied. */
export interface FakeTelegramMessage {
  chat_id: number;
  message_id: number;
  text: string;
  /** Every text it showed, the first send then each edit. */
  versions: string[];
}

/** A user who writes to the bot. */
export interface FakeTelegramUser {
  id: number;
  username?: string;
}

/** A Bot API error the fake answers once for the next call of a method. */
interface PlannedFailure {
  status: number;
  description: string;
  retryAfter?: number;
}

interface Waiter {
  resolve: () => void;
}

/** Telegram limits getUpdates to 100 updates per call. */
const MAX_LIMIT = 100;

/**
 * A local Telegram Bot API on 127.0.0.1 speaking the real wire format: JSON over HTTP at
 * `/bot<token>/<method>`, answers `{ok: true, result}` or `{ok: false, error_code,
 * description, parameters?}`. It implements `getMe`, `getUpdates` (long polling with
 * `timeout`, and `offset` semantics: an offset confirms, and forgets, every update with a
 * lower id), `sendMessage`, `editMessageText` (400 "message is not modified" for the same text),
 * `sendChatAction`, `deleteWebhook`. A wrong token gets 401; `failNext()` plans a 429 with
 * `parameters.retry_after` (or any other error) for a method.
 *
 * @example
 * ```ts
 * const telegram = startFakeTelegram("123:abc");
 * telegram.pushText({ id: 7, username: "alice" }, "hello");
 * await telegram.waitFor(() => telegram.messages.length > 0);
 * ```
 */
export function startFakeTelegram(token: string, botUsername = "picoclaw_test_bot") {
  const calls: FakeTelegramCall[] = [];
  const messages: FakeTelegramMessage[] = [];
  /** Updates not yet confirmed by an offset. */
  let pending: Record<string, unknown>[] = [];
  let nextUpdateId = 1000;
  let nextMessageId = 1;
  let waiters: Waiter[] = [];
  const failures = new Map<string, PlannedFailure[]>();
  /** While set, getUpdates calls hang before looking at their offset (nothing is confirmed). */
  let held = 0;
  let frozen: { promise: Promise<void>; release: () => void } | undefined;

  const ok = (result: unknown) => Response.json({ ok: true, result });
  const fail = (status: number, description: string, retryAfter?: number) =>
    Response.json({
      ok: false,
      error_code: status,
      description,
      ...(retryAfter !== undefined ? { parameters: { retry_after: retryAfter } } : {}),
    }, { status });

  async function readParams(req: Request, url: URL): Promise<Record<string, unknown>> {
    const params: Record<string, unknown> = Object.fromEntries(url.searchParams);
    const type = req.headers.get("content-type") ?? "";
    if (type.startsWith("application/json")) Object.assign(params, await req.json());
    else if (type.startsWith("application/x-www-form-urlencoded") || type.startsWith("multipart/form-data")) {
      for (const [key, value] of (await req.formData()).entries()) params[key] = value;
    }
    return params;
  }

  function wake(): void {
    const current = waiters;
    waiters = [];
    for (const waiter of current) waiter.resolve();
  }

  async function getUpdates(params: Record<string, unknown>, signal: AbortSignal): Promise<Response> {
    if (frozen && Number(params.timeout ?? 0) > 0) {
      held++;
      await Promise.race([frozen.promise, new Promise((resolve) => signal.addEventListener("abort", resolve))]);
      held--;
      if (signal.aborted) return fail(499, "client went away");
    }
    const offset = Number(params.offset ?? 0);
    if (offset > 0) pending = pending.filter((u) => (u.update_id as number) >= offset);
    const limit = Math.min(MAX_LIMIT, Math.max(1, Number(params.limit ?? MAX_LIMIT)));
    const timeoutS = Number(params.timeout ?? 0);
    if (pending.length === 0 && timeoutS > 0) {
      await new Promise<void>((resolve) => {
        const waiter = { resolve };
        waiters.push(waiter);
        const timer = setTimeout(() => {
          waiters = waiters.filter((w) => w !== waiter);
          resolve();
        }, timeoutS * 1000);
        signal.addEventListener("abort", () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return ok(pending.slice(0, limit));
  }

  function chatIdOf(params: Record<string, unknown>): number {
    return Number(params.chat_id);
  }

  async function answer(req: Request, call: FakeTelegramCall): Promise<Response> {
    const url = new URL(req.url);
    const match = /^\/bot([^/]+)\/(\w+)$/.exec(url.pathname);
    if (!match) return fail(404, "Not Found");
    const [, presented, method] = match;
    const params = await readParams(req, url);
    call.method = method;
    if (presented !== token) return fail(401, "Unauthorized");
    call.params = params;
    const planned = failures.get(method)?.shift();
    if (planned) return fail(planned.status, planned.description, planned.retryAfter);
    switch (method) {
      case "getMe":
        return ok({
          id: Number(token.split(":")[0]) || 1,
          is_bot: true,
          first_name: "PicoClaw test",
          username: botUsername,
        });
      case "deleteWebhook":
        return ok(true);
      case "getUpdates":
        return await getUpdates(params, req.signal);
      case "sendChatAction":
        return ok(true);
      case "sendMessage": {
        const text = String(params.text ?? "");
        if (text.length === 0) return fail(400, "Bad Request: message text is empty");
        if (text.length > 4096) return fail(400, "Bad Request: message is too long");
        const message = { chat_id: chatIdOf(params), message_id: nextMessageId++, text, versions: [text] };
        messages.push(message);
        return ok({
          message_id: message.message_id,
          date: Math.floor(Date.now() / 1000),
          chat: { id: message.chat_id, type: "private" },
          text,
        });
      }
      case "editMessageText": {
        const text = String(params.text ?? "");
        const message = messages.find((m) =>
          m.chat_id === chatIdOf(params) && m.message_id === Number(params.message_id)
        );
        if (!message) return fail(400, "Bad Request: message to edit not found");
        if (text.length > 4096) return fail(400, "Bad Request: message is too long");
        if (text === message.text) {
          return fail(400, "Bad Request: message is not modified: specified new message content is the same");
        }
        message.text = text;
        message.versions.push(text);
        return ok({
          message_id: message.message_id,
          date: Math.floor(Date.now() / 1000),
          edit_date: Math.floor(Date.now() / 1000),
          chat: { id: message.chat_id, type: "private" },
          text,
        });
      }
      default:
        return fail(404, "Not Found: method not found");
    }
  }

  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 0,
    async fetch(req) {
      const call: FakeTelegramCall = { method: "", params: {}, at: Date.now(), status: 0 };
      const res = await answer(req, call);
      call.status = res.status;
      calls.push(call);
      return res;
    },
  });

  return {
    /** The API root for grammy's `apiRoot` / `channels.telegram.api_base`. */
    url: `http://127.0.0.1:${server.port}`,
    calls,
    messages,
    /** Messages the bot sent to one chat, in order. */
    messagesTo: (chatId: number) => messages.filter((m) => m.chat_id === chatId),
    /** Calls of one method, in order. */
    callsOf: (method: string) => calls.filter((c) => c.method === method),
    /** Updates not yet confirmed by an offset. */
    pendingCount: () => pending.length,
    /**
     * Queues a private text message from `user` (chat id = user id unless given); returns its update_id.
     * @param user The sender.
     * @param text The message text.
     * @param chatId The chat it is in.
     */
    pushText(user: FakeTelegramUser, text: string, chatId = user.id): number {
      return this.pushUpdate({
        message: {
          message_id: nextMessageId++,
          date: Math.floor(Date.now() / 1000),
          chat: { id: chatId, type: "private" },
          from: {
            id: user.id,
            is_bot: false,
            first_name: "User",
            ...(user.username ? { username: user.username } : {}),
          },
          text,
        },
      });
    },
    /** Queues any update (its `update_id` is filled in); returns the id. */
    pushUpdate(update: Record<string, unknown>): number {
      const updateId = nextUpdateId++;
      pending.push({ update_id: updateId, ...update });
      wake();
      return updateId;
    },
    /**
     * The next `times` calls of `method` fail with `status` (429 carries `parameters.retry_after`).
     * @param method A Bot API method name.
     * @param failure The status, and for 429 the seconds to wait.
     */
    failNext(method: string, failure: { status: number; retryAfter?: number; times?: number }): void {
      const list = failures.get(method) ?? [];
      for (let i = 0; i < (failure.times ?? 1); i++) {
        list.push({
          status: failure.status,
          description: failure.status === 429
            ? `Too Many Requests: retry after ${failure.retryAfter ?? 1}`
            : `Error ${failure.status}`,
          retryAfter: failure.status === 429 ? failure.retryAfter ?? 1 : undefined,
        });
      }
      failures.set(method, list);
    },
    /**
     * Makes long polls (getUpdates with a timeout) hang without confirming anything, as if the
     * process died before its next poll reached Telegram; calls with timeout 0 still pass.
     * `thaw()` lets them through.
     */
    freeze(): void {
      let release = () => {};
      const promise = new Promise<void>((resolve) => (release = resolve));
      frozen = { promise, release };
    },
    /** Long polls waiting for an update now. */
    waitingCount: () => waiters.length,
    /** Long polls held by `freeze()` now. */
    heldCount: () => held,
    thaw(): void {
      frozen?.release();
      frozen = undefined;
    },
    /** Polls `check` every 20 ms until it is true or `timeoutMs` passes (then throws, naming `what`). */
    async waitFor(check: () => boolean, what = "condition", timeoutMs = 10_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (!check()) {
        if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
        await Bun.sleep(20);
      }
    },
    stop(): void {
      wake();
      frozen?.release();
      server.stop(true);
    },
  };
}

/** A running fake Telegram Bot API. */
export type FakeTelegram = ReturnType<typeof startFakeTelegram>;
