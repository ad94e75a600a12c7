/**
 * Named crash points for crash-recovery tests (tests/telegram-crash-points.test.ts): once `armCrashPoint` names a
 * point, as `name` or `name@n`, the process kills itself with SIGKILL the n-th time (default the first) it reaches
 * that point, exactly as a kill -9 from outside would stop it there: no handler runs, nothing is flushed. Unarmed
 * (production), `crashPoint` does nothing.
 *
 * Points (in the order a reply goes through them):
 * - `inbox:before-commit`, `inbox:after-commit`: around the commit that stores updates (before Telegram is told);
 * - `inbox:confirmed`: the getUpdates call whose offset confirmed stored updates has returned;
 * - `turn:stored`: the engine's turn is committed, nothing sent yet;
 * - `send:before-L`, `send:after-L`: around the journal's `L` (leaving) append;
 * - `send:handed`: the request is handed to the HTTP client, waiting for a socket;
 * - `send:before-W`: a connected socket is ready, the `W` mark and the write are next;
 * - `send:written`: `W` appended and the whole request written to the kernel;
 * - `send:finish`: the request's 'finish' event;
 * - `send:answered`: Telegram's answer has been read, before the `A` (or `R`) append;
 * - `send:after-A`: after the `A` append, before SQLite records the send;
 * - `send:committed`: SQLite has recorded the send.
 * There is no point between the `W` append and the write: they are one synchronous step (wire.ts), and a kill in
 * that instant is the at-most-once side of the Bot API's missing idempotency key (an ordinary reply is taken as
 * delivered, a crisis reply is sent again), never a double.
 */
let target: string | undefined;
let nth = 1;
let hits = 0;

/**
 * Arms one crash point, as `name` or `name@n` (the crash-test child does, from its environment; production never
 * does). Malformed specs are refused, so a typo cannot silently test nothing.
 */
export function armCrashPoint(spec: string | undefined): void {
  if (!spec) return;
  const m = /^([\w:-]+)(?:@(\d+))?$/.exec(spec);
  if (!m?.[1])
    throw new Error(`crash point must look like "send:written" or "send:written@3", got "${spec}"`);
  target = m[1];
  nth = Number(m[2] ?? 1);
  hits = 0;
}

export function crashPoint(name: string): void {
  if (target === undefined || name !== target || ++hits !== nth) return;
  process.kill(process.pid, "SIGKILL");
}
