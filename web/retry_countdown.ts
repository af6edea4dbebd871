/** A live countdown for a 429's `Retry-After`, so the sign-in page says how long is left. */

/**
 * Calls `render` with the whole seconds left, now and about once a second, then `done` at zero.
 *
 * @param seconds The `Retry-After` seconds.
 * @param render Shows the seconds left (never below 1).
 * @param done Called once when the wait is over.
 * @returns A function that stops the countdown early.
 * @example
 * countDown(err.retryAfter, (s) => show(box, `Try again in ${s} s.`), () => show(box, ""));
 */
export function countDown(seconds: number, render: (left: number) => void, done: () => void): () => void {
  const deadline = Date.now() + seconds * 1000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const tick = () => {
    const left = Math.ceil((deadline - Date.now()) / 1000);
    if (left <= 0) {
      done();
      return;
    }
    render(left);
    // Wakes when the next whole second has passed, so the shown number never lags.
    timer = setTimeout(tick, (deadline - Date.now()) % 1000 || 1000);
  };
  tick();
  return () => clearTimeout(timer);
}
