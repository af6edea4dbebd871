/**
 * What a test file needs from the machine (root, Chromium, qemu...). When it is missing the
 * tests are skipped with the reason printed, never silently; under CI (`CI` set) a missing
 * requirement is a failure, because .ci/run installs everything the suite needs.
 *
 * @param met Whether the requirement is there.
 * @param reason What is missing and how to get it, e.g. "needs Debian's chromium (apt-get install chromium)".
 * @returns True when the tests should run.
 * @example
 * const run = requirement(existsSync("/usr/bin/chromium"), "needs /usr/bin/chromium");
 * describe.skipIf(!run)("dashboard in Chromium", () => { ... });
 */
export function requirement(met: boolean, reason: string): boolean {
  if (met) return true;
  if (process.env.CI) throw new Error(`A test requirement is missing under CI: ${reason}`);
  console.warn(`skipped: ${reason}`);
  return false;
}
