/**
 * Full turns as the bench drives them: ordinary citizen messages through `engine.handleMessage`, many conversations
 * in flight at once. Shared by the in-process figures (run.ts, postgres.ts) and the instance processes
 * (instance-child.ts), so that every store and every process count the same work.
 */
import type { NluBundle } from "../bot/assistant.js";
import type { Engine } from "../bot/engine.js";
import { loadTrainingSet } from "../intents/training-set.js";

/** The bench's messages: the intents' training examples and the knowledge base's phrasings. */
export const benchMessages = (bundle: NluBundle): string[] => [
  ...loadTrainingSet().intents.flatMap((i) => i.examples),
  ...bundle.knowledge.flatMap((e) => e.questions),
];

/**
 * Ordinary bot turns: questions, greetings, thanks. Messages that start a handoff or a complaint intake would leave
 * the bench's few conversations waiting for a counselor or inside an intake, which real traffic is not.
 */
export function ordinaryTexts(bundle: NluBundle, messages: readonly string[]): string[] {
  const special = new Set(["ask_human", "complaint", "case_status", "subscribe", "unsubscribe"]);
  return messages.filter((m) => {
    const u = bundle.nlu.understand(m);
    return u.risk.level === "none" && !special.has(u.intent.intent);
  });
}

export interface TurnLoad {
  /** Conversation ids are `<prefix>-<lane>`, platform message ids `<prefix>-m<n>`: unique per load. */
  prefix: string;
  /** Conversations in flight at once, one message each at a time. */
  lanes: number;
  total: number;
  texts: readonly string[];
}

export interface TurnLoadResult {
  turns: number;
  /** Turns that came back with at least one reply and were not taken for a redelivery. */
  answered: number;
  duplicates: number;
  failed: number;
  elapsedS: number;
  /** CPU seconds of this process (main thread and the driver's threads) during the load. */
  cpuS: number;
  /** Per-turn latencies, microseconds, sorted. */
  latenciesUs: number[];
}

export async function runTurns(engine: Engine, load: TurnLoad): Promise<TurnLoadResult> {
  let next = 0;
  let answered = 0;
  let duplicates = 0;
  let failed = 0;
  const times: number[] = [];
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  await Promise.all(
    Array.from({ length: load.lanes }, async (_, lane) => {
      while (next < load.total) {
        const i = next++;
        const t0 = performance.now();
        try {
          const r = await engine.handleMessage({
            channel: "web",
            conversationId: `${load.prefix}-${lane}`,
            messageId: `${load.prefix}-m${i}`,
            text: load.texts[i % load.texts.length] ?? "",
          });
          if (r.duplicate) duplicates++;
          else if (r.replies.length > 0) answered++;
        } catch {
          failed++;
        }
        times.push((performance.now() - t0) * 1000);
      }
    }),
  );
  const elapsedS = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpu0);
  times.sort((x, y) => x - y);
  return {
    turns: load.total,
    answered,
    duplicates,
    failed,
    elapsedS,
    cpuS: (cpu.user + cpu.system) / 1e6,
    latenciesUs: times,
  };
}
