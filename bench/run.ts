/**
 * npm run bench — every figure is measured in this one run and printed beside a baseline from the same run
 * (raw jieba segmentation, a trivial echo route), because the machines are shared and noisy.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:http";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildNlu, createAssistant } from "../bot/assistant.js";
import { buildServer } from "../bot/server.js";
import { createLogger } from "../core/logger.js";
import { projectPath } from "../core/paths.js";
import { chinaDate } from "../handoff/deadlines.js";
import { textFeatures } from "../intents/features.js";
import { createIntentClassifier } from "../intents/intent-classifier.js";
import { createNormaliser } from "../intents/normalise.js";
import { createSegmenter } from "../intents/segmenter.js";
import { loadTrainingSet, splitHoldout } from "../intents/training-set.js";
import { benchCampaigns } from "./campaigns.js";
import { benchComplaints } from "./complaints.js";
import { benchDashboard } from "./dashboard.js";
import { benchHotspots } from "./hotspots.js";
import { ECHO_PATH, echoRoute, load } from "./http-load.js";
import { benchPostgres } from "./postgres.js";
import { interleavedRatio, measure, percentile, rssSampler, type Stage, table } from "./stats.js";
import { benchMessages, ordinaryTexts } from "./turn-load.js";
import { benchWechat } from "./wechat.js";

const line = (s = "") => process.stdout.write(`${s}\n`);
const ratio = (a: number, b: number) => (a / b).toFixed(2);

async function main() {
  // As bot/main.ts does, before anything starts libuv's pool: the HTTP figures below share it with argon2.
  process.env.UV_THREADPOOL_SIZE ??= "8";
  const tmp = mkdtempSync(join(tmpdir(), "shouwang-bench-"));
  try {
    line("# Shouwang bench (all ratios against baselines measured in this run)\n");
    const startup = await measureStartup(tmp);

    const bundle = buildNlu({ modelCacheDir: join(tmp, "cache") });
    const segmenter = createSegmenter();
    const normalise = createNormaliser();
    const training = loadTrainingSet();
    const messages = benchMessages(bundle);
    const normalised = messages.map((m) => normalise(m).text);
    line(`messages: ${messages.length} (training examples and knowledge-base phrasings)\n`);

    line("## Understanding");
    const cut = await measure(
      "jieba cut, punctuation dropped (baseline)",
      normalised,
      (t) => segmenter.cut(t),
      20_000,
    );
    const norm = await measure("normalise", messages, (m) => normalise(m), 20_000);
    const understand = await measure(
      "understand (normalise+detect+classify+retrieve)",
      messages,
      (m) => bundle.nlu.understand(m),
      20_000,
    );
    line(table([cut, norm, understand], cut));
    const paired = interleavedRatio(
      { inputs: normalised, fn: (t) => segmenter.cut(t) },
      { inputs: messages, fn: (m) => bundle.nlu.understand(m) },
    );
    line(
      `understanding costs ${paired.median.toFixed(2)}x segmentation, CPU time, median of 15 alternating passes (spread ${paired.low.toFixed(2)}-${paired.high.toFixed(2)}; the stages above, run one after the other: ${ratio(cut.perSecond, understand.perSecond)}x) (goal: at most 4x)\n`,
    );

    line("## Classifier: our linear model vs natural's BayesClassifier, same features, same split");
    await compareClassifiers(segmenter, normalise, training);

    line("\n## Full turn and HTTP");
    const turns = await measureTurns(tmp, bundle, messages);
    line(table([turns.sequential, turns.concurrent], turns.sequential));
    line(
      `full handleMessage turn with SQLite: ${turns.concurrent.perSecond.toFixed(0)} msg/s with 64 conversations in flight (${turns.perCpuSecond.toFixed(0)} per CPU-second of this process), ${turns.sequential.perSecond.toFixed(0)} msg/s one at a time (goal: at least 3000)`,
    );
    const http = await measureHttp(tmp, bundle, messages);
    line(
      `POST ${ECHO_PATH}  ${http.echo.perSecond.toFixed(0)}/s  p50 ${(http.echo.p50us / 1000).toFixed(2)} ms  p99 ${(http.echo.p99us / 1000).toFixed(2)} ms`,
    );
    line(
      `POST /api/chat    ${http.chat.perSecond.toFixed(0)}/s  p50 ${(http.chat.p50us / 1000).toFixed(2)} ms  p99 ${(http.chat.p99us / 1000).toFixed(2)} ms  errors ${http.chat.errors}`,
    );
    line(
      `/api/chat runs at ${ratio(http.chat.perSecond, http.echo.perSecond)}x the echo route (goal: at least 0.1x)`,
    );
    line(
      `/api/chat p99 under a login storm (60 clients logging in, ${http.logins.perSecond.toFixed(0)}/s answered, ${http.logins.errors} refused as busy): ${(http.stormed.p99us / 1000).toFixed(2)} ms vs ${(http.quiet.p99us / 1000).toFixed(2)} ms quiet = ${(http.stormed.p99us / http.quiet.p99us).toFixed(2)}x (goal: at most 3x)\n`,
    );

    line("## PostgreSQL: full turns next to SQLite, and two instances on one database");
    await benchPostgres(tmp, bundle, messages, line);
    line("");

    line("## Handoff: crisis message -> page event at a connected console client");
    const page = await measurePageLatency(tmp, bundle);
    line(
      `${page.n} crisis cases: p50 ${page.p50.toFixed(2)} ms  p99 ${page.p99.toFixed(2)} ms (goal: well under 1000 ms)`,
    );
    line(`p99 is ${((100 * page.p99) / 25_000).toFixed(3)}% of Crisis Text Line's 25 s to a human\n`);

    line("## Complaints: filing and the merge check as open cases grow");
    await benchComplaints(tmp, bundle, line);
    line("");

    line("## Hot issues: 10,000 and 100,000 invented letters");
    benchHotspots(line);
    line("");

    line("## Dashboard: pre-aggregated counts over 10,000 and 1,000,000 complaints");
    await benchDashboard(tmp, line);
    line("");

    line("## Campaigns (普法): 100,000 Telegram subscribers at the fake Bot API's limits, kill -9 at 50%");
    await benchCampaigns(tmp, bundle, line);
    line("");

    line("## WeChat Official Account: callbacks with persistence, and kill -9 mid-burst");
    await benchWechat(tmp, bundle, line);
    line("");

    line("## Start-up (node dist/bot/main.js)");
    line(
      `ready to answer in ${startup.readyMs.toFixed(0)} ms (goal 1500); resident memory ${startup.rssMb.toFixed(0)} MB, peak ${startup.hwmMb.toFixed(0)} MB (goal under 350)`,
    );
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

async function compareClassifiers(
  segmenter: ReturnType<typeof createSegmenter>,
  normalise: ReturnType<typeof createNormaliser>,
  training: ReturnType<typeof loadTrainingSet>,
) {
  const { train, heldOut } = splitHoldout(training);
  const prep = (raw: string) => {
    const text = normalise(raw).text;
    const tokens = segmenter.tokens(text);
    return { text, words: tokens.words, tokens };
  };
  const held = heldOut.map((h) => ({ ...prep(h.text), label: h.label }));

  let t0 = performance.now();
  const ours = createIntentClassifier(segmenter, train, { normalise: (r) => normalise(r).text });
  const oursTrainMs = performance.now() - t0;

  const { BayesClassifier } = createRequire(import.meta.url)("natural/lib/natural/classifiers") as {
    BayesClassifier: new () => {
      addDocument(t: string[], l: string): void;
      train(): void;
      classify(t: string[]): string;
    };
  };
  const bayes = new BayesClassifier();
  t0 = performance.now();
  for (const i of train.intents)
    for (const ex of i.examples) {
      const p = prep(ex);
      bayes.addDocument(textFeatures(p.words, p.text), i.name);
    }
  bayes.train();
  const bayesTrainMs = performance.now() - t0;

  const features = held.map((h) => ({ ...h, f: textFeatures(h.words, h.text) }));
  const oursStage = await measure(
    "ours: softmax predict",
    features,
    (h) => ours.classify(h.text, h.tokens),
    5000,
  );
  const bayesStage = await measure(
    "natural BayesClassifier classify",
    features,
    (h) => bayes.classify(h.f),
    2000,
  );
  const acc = (fn: (h: (typeof features)[number]) => string) =>
    features.filter((h) => fn(h) === h.label).length / features.length;
  const oursAcc = acc((h) => ours.classify(h.text, h.tokens).intent);
  const bayesAcc = acc((h) => bayes.classify(h.f));
  line(table([oursStage, bayesStage], oursStage));
  line(
    `held-out accuracy (${features.length} phrasings): ours ${(oursAcc * 100).toFixed(1)}%, natural Bayes ${(bayesAcc * 100).toFixed(1)}%`,
  );
  line(
    `training: ours ${oursTrainMs.toFixed(0)} ms, natural Bayes ${bayesTrainMs.toFixed(0)} ms; natural Bayes predicts at ${ratio(oursStage.perSecond, bayesStage.perSecond)}x our cost`,
  );
}

async function measureTurns(tmp: string, bundle: ReturnType<typeof buildNlu>, messages: string[]) {
  const a = await createAssistant({
    dbPath: join(tmp, "turns.db"),
    logger: createLogger({ level: "silent" }),
    nlu: bundle,
  });
  const ordinary = ordinaryTexts(bundle, messages);
  const inputs = ordinary.map((text, i) => ({ text, conversationId: `bench-${i % 500}` }));
  const sequential = await measure(
    `handleMessage (turn + SQLite, one at a time, ${ordinary.length} msgs)`,
    inputs,
    (m) => a.engine.handleMessage({ channel: "web", conversationId: m.conversationId, text: m.text }),
    4000,
  );
  // A server has many citizens at once: 64 conversations in flight, as 64 open chats would be.
  const concurrency = 64;
  const total = 12_000;
  const times: number[] = [];
  const sampler = rssSampler();
  let next = 0;
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, lane) => {
      while (next < total) {
        const i = next++;
        const t0 = performance.now();
        await a.engine.handleMessage({
          channel: "web",
          conversationId: `lane-${lane}`,
          text: ordinary[i % ordinary.length] ?? "",
        });
        times.push((performance.now() - t0) * 1000);
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpu0);
  // Main thread and SQLite's pool thread together: what the turns cost whatever else the machine is running.
  const perCpuSecond = total / ((cpu.user + cpu.system) / 1e6);
  times.sort((x, y) => x - y);
  const concurrent: Stage = {
    name: `handleMessage (turn + SQLite, ${concurrency} conversations)`,
    perSecond: total / elapsed,
    p50us: percentile(times, 50),
    p99us: percentile(times, 99),
    peakRssMb: sampler.stop(),
  };
  await a.close();
  return { sequential, concurrent, perCpuSecond };
}

async function measureHttp(tmp: string, bundle: ReturnType<typeof buildNlu>, messages: string[]) {
  const a = await createAssistant({
    dbPath: join(tmp, "http.db"),
    logger: createLogger({ level: "silent" }),
    nlu: bundle,
  });
  // Every bench request starts a conversation from 127.0.0.1: the per-address limit on new ones is for floods.
  const app = await buildServer(a, {
    plugins: [echoRoute],
    clientLimits: { conversations: Number.POSITIVE_INFINITY },
  });
  await app.listen({ port: 0, host: "127.0.0.1" });
  const port = (app.server.address() as { port: number }).port;
  const bodies = messages.slice(0, 2000).map((text) => JSON.stringify({ text }));
  await load(port, ECHO_PATH, bodies, { durationMs: 500 });
  const echo = await load(port, ECHO_PATH, bodies, { durationMs: 3000 });
  const chat = await load(port, "/api/chat", bodies, { durationMs: 3000 });
  // A login storm: 60 clients logging in with the right password as fast as they can (argon2 on the same
  // thread pool as sqlite3), while a few citizens chat. Their p99 is compared with the same load in quiet.
  await a.staff.add({ username: "storm", password: "storm-password-1", role: "counselor", shifts: [] });
  const login = [JSON.stringify({ username: "storm", password: "storm-password-1" })];
  const quiet = await load(port, "/api/chat", bodies, { concurrency: 4, durationMs: 3000 });
  const [stormed, logins] = await Promise.all([
    load(port, "/api/chat", bodies, { concurrency: 4, durationMs: 3000 }),
    load(port, "/console/api/login", login, { concurrency: 60, durationMs: 3000 }),
  ]);
  await app.close();
  await a.close();
  return { echo, chat, quiet, stormed, logins };
}

async function measurePageLatency(tmp: string, bundle: ReturnType<typeof buildNlu>) {
  const a = await createAssistant({
    dbPath: join(tmp, "page.db"),
    logger: createLogger({ level: "silent" }),
    nlu: bundle,
  });
  await a.staff.add({
    username: "bench",
    password: "bench-password",
    role: "counselor",
    shifts: ["mon-sun 00:00-24:00"],
  });
  const app = await buildServer(a);
  await app.listen({ port: 0, host: "127.0.0.1" });
  const port = (app.server.address() as { port: number }).port;
  const loginRes = await app.inject({
    method: "POST",
    url: "/console/api/login",
    payload: { username: "bench", password: "bench-password" },
  });
  const cookie = String(loginRes.headers["set-cookie"]).split(";")[0] ?? "";
  const waiting = new Map<string, (t: number) => void>();
  // A real SSE client over loopback, reading the same stream the console page reads.
  const stream = await new Promise<import("node:http").IncomingMessage>((resolve) => {
    request({ host: "127.0.0.1", port, path: "/console/api/stream", headers: { cookie } }, resolve).end();
  });
  let buf = "";
  stream.on("data", (chunk: Buffer) => {
    buf += chunk.toString();
    let idx = buf.indexOf("\n\n");
    while (idx >= 0) {
      const frame = buf.slice(0, idx);
      buf = buf.slice(idx + 2);
      if (frame.startsWith("event: page")) {
        const data = JSON.parse(frame.split("\ndata: ")[1] ?? "{}") as { caseId: string };
        waiting.get(data.caseId)?.(performance.now());
      }
      idx = buf.indexOf("\n\n");
    }
  });
  const texts = ["我不想活了", "药已经吃下去了", "活着没意思，想一了百了", "我已经站在楼顶了"];
  const lat: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t0 = performance.now();
    const arrived = new Promise<number>((resolve) => {
      const expected = `RG-${chinaDate(new Date().toISOString()).slice(0, 4)}-${String(i + 1).padStart(6, "0")}`;
      waiting.set(expected, resolve);
    });
    await a.engine.handleMessage({
      channel: "web",
      conversationId: `crisis-${i}`,
      text: texts[i % texts.length] ?? "",
    });
    lat.push((await arrived) - t0);
  }
  stream.destroy();
  await app.close();
  await a.close();
  lat.sort((x, y) => x - y);
  return { n: lat.length, p50: percentile(lat, 50), p99: percentile(lat, 99) };
}

async function measureStartup(tmp: string) {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const started = performance.now();
  const child = spawn(process.execPath, [projectPath("dist", "bot", "main.js")], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: "127.0.0.1",
      SHOUWANG_DB: join(tmp, "startup.db"),
      LOG_LEVEL: "warn",
    },
    stdio: "ignore",
  });
  const ready = async (): Promise<boolean> =>
    new Promise((resolve) => {
      const req = request(
        {
          host: "127.0.0.1",
          port,
          path: "/api/chat",
          method: "POST",
          headers: { "content-type": "application/json" },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode === 200);
        },
      );
      req.on("error", () => resolve(false));
      req.end(JSON.stringify({ text: "你好" }));
    });
  while (!(await ready())) {
    if (performance.now() - started > 20_000) throw new Error("server did not start within 20 s");
    await new Promise((r) => setTimeout(r, 20));
  }
  const readyMs = performance.now() - started;
  const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  child.kill("SIGTERM");
  return { readyMs, rssMb: kb("VmRSS") / 1024, hwmMb: kb("VmHWM") / 1024 };
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
