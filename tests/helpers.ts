import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type Assistant,
  type AssistantConfig,
  buildNlu,
  createAssistant,
  type NluBundle,
} from "../bot/assistant.js";
import { createLogger } from "../core/logger.js";
import type { StaffMember } from "../handoff/roster.js";
import { currentStore } from "./stores.js";

let shared: NluBundle | undefined;
/** Building the NLU costs about a second; one per test file (each file runs in its own process). */
export function sharedNlu(): NluBundle {
  shared ??= buildNlu();
  return shared;
}

export function tempDir(prefix = "shouwang-test-"): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The database each test directory's assistant used, so that reopening the directory reopens it. */
const storeTargets = new Map<string, string>();

export async function testAssistant(
  overrides: Partial<AssistantConfig> & { dir?: string } = {},
): Promise<Assistant & { dir: string; target: string; cleanup: () => Promise<void> }> {
  const tmp = overrides.dir ? { dir: overrides.dir, cleanup: () => undefined } : tempDir();
  // Inside forEachStore (stores.ts): a fresh database of the store under test, the same one again for the same
  // `dir` (a restart); else a SQLite file in `dir`.
  const store = currentStore();
  const target =
    overrides.dbPath ?? storeTargets.get(tmp.dir) ?? (store ? await store.fresh() : join(tmp.dir, "test.db"));
  storeTargets.set(tmp.dir, target);
  const assistant = await createAssistant({
    logger: createLogger({ level: "silent" }),
    nlu: sharedNlu(),
    ...overrides,
    dbPath: target,
  });
  return {
    ...assistant,
    dir: tmp.dir,
    target,
    cleanup: async () => {
      await assistant.close();
      tmp.cleanup();
    },
  };
}

/** A counselor on duty around the clock, as most handoff tests need one. */
export async function onDutyCounselor(a: Assistant, username = "wang"): Promise<StaffMember> {
  await a.staff.add({
    username,
    password: `${username}-password-1`,
    role: "counselor",
    shifts: ["mon-sun 00:00-24:00"],
  });
  return (await a.staff.find(username)) as StaffMember;
}

/**
 * Runs one `shouwang` CLI command in-process, as a terminal would, and collects what it printed. `stderrIsTTY`
 * makes stderr look like a terminal (as `process.stderr` does in an interactive shell).
 */
export async function runCommand(
  config: import("../bot/config.js").Config,
  args: string[],
  input = "",
  options: { stderrIsTTY?: boolean } = {},
): Promise<{ code: number; out: string; err: string }> {
  const { PassThrough, Readable } = await import("node:stream");
  const { runCli } = await import("../bot/cli.js");
  const stdout = new PassThrough();
  const stderr = Object.assign(new PassThrough(), options.stderrIsTTY ? { isTTY: true } : {});
  let out = "";
  let err = "";
  stdout.on("data", (c) => {
    out += c;
  });
  stderr.on("data", (c) => {
    err += c;
  });
  const [command = "", ...rest] = args;
  const code = await runCli(command, rest, config, { stdin: Readable.from([input]), stdout, stderr });
  return { code, out, err };
}

/** Waits until `probe` yields a value (not undefined or false), polling every 20 ms; fails after `ms`. */
export async function until<T>(probe: () => Promise<T | undefined | false>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A citizen's answers, in the order the bot asks, filing a wage-arrears complaint in 赤峰市松山区 (before 确认提交). */
export const WAGE_COMPLAINT_ANSWERS: readonly string[] = [
  "我要投诉",
  "赤峰市松山区一个工地老板拖欠我们三个月工资，一共两万多",
  "是的",
  "不清楚",
  "尽快把工资发给我们",
  "在这里回复",
];

/** The 松山区 labour-inspection clerk who receives the wage complaints filed with WAGE_COMPLAINT_ANSWERS. */
export const LABOUR_CLERK = {
  username: "clerk",
  password: "clerk-password",
  role: "department",
  department: "松山区/hrss-labour-inspection",
} as const;
