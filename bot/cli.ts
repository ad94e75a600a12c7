import { randomUUID } from "node:crypto";
import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import { isAppError } from "../core/app-error.js";
import { createLogger } from "../core/logger.js";
import { loadDispatchCatalogue } from "../handoff/dispatch.js";
import type { Reply } from "../handoff/reply.js";
import { isCrisis } from "../intents/crisis-risk.js";
import { placeName } from "../intents/places.js";
import type { Understanding } from "../intents/understand.js";
import { checkKnowledge } from "../knowledge/check.js";
import { checkCitations } from "../knowledge/citation-check.js";
import { readKnowledge } from "../knowledge/load.js";
import { loadStatutes } from "../knowledge/statutes.js";
import { buildNlu, createAssistant } from "./assistant.js";
import { CAMPAIGNS_USAGE } from "./cli-campaigns.js";
import { COMPLAINTS_USAGE } from "./cli-complaints.js";
import { DB_USAGE } from "./cli-db.js";
import type { Io } from "./cli-io.js";
import { SPIKES_USAGE } from "./cli-spikes.js";
import { type Config, databaseOf } from "./config.js";

const USAGE = `用法 (usage):
  shouwang                 start the server (web chat on http://localhost:3000/)
  shouwang chat            talk to the assistant in this terminal
  shouwang ask "问题"       one answer, then exit
  shouwang classify        JSON Lines on stdin ({"text": ...}) -> intent, confidence, risk, answerId or referral, complaint on stdout
  shouwang kb check [--json]
                           validate the knowledge base: schema, duplicates, unreachable entries, and every citation
                           against the statute texts (--json: the citation report; non-zero exit on any problem)
  shouwang law 民法典 1079  print an article of a law in force
  shouwang law search "离婚 孩子 抚养" [--law 名称] [--top N]
                           the articles that best match
  shouwang staff add <user> --role counselor|supervisor|department|admin|editor [--name 姓名] [--shift "mon-fri 08:00-20:00"]...
                           [--department 准格尔旗人力资源和社会保障局 | 准格尔旗/hrss]  (required for a department clerk;
                           a name or id from the dispatch catalogue, with suggestions when it is not one)
                           create a console account; the password is read from stdin (at least 10 characters)
  shouwang slack link <SlackUserId> <user> | slack unlink <SlackUserId> | slack links
                           which Slack user acts as which console account
  shouwang staff shift <user> "mon-sun 00:00-24:00" ...
                           replace a person's weekly shifts (China Standard Time)
${COMPLAINTS_USAGE}${SPIKES_USAGE}${CAMPAIGNS_USAGE}  shouwang privacy export --conversation <id> --by <who asked>
                           a citizen's data (transcript, cases, complaints) as JSON on stdout; audited
  shouwang privacy erase --conversation <id> --by <who asked>
                           erase a citizen's data (content goes, the bare record stays); audited
${DB_USAGE}`;

function printReplies(out: Writable, replies: readonly Reply[]) {
  for (const r of replies) {
    out.write(`守望: ${r.text}\n`);
    if (r.buttons?.length) out.write(`      [${r.buttons.map((b) => b.label).join("] [")}]\n`);
  }
}

export async function runCli(command: string, args: string[], config: Config, io: Io): Promise<number> {
  switch (command) {
    case "ask":
    case "chat":
      return converse(command, args, config, io);
    case "classify":
      return classify(io);
    case "kb":
      if (args[0] === "check") return kbCheck(io, config, args.includes("--json"));
      break;
    case "law":
      return (await import("./cli-law.js")).lawCommand(args, io);
    case "slack": {
      // Loaded lazily so that other commands do not load Bolt.
      const { runSlackCommand } = await import("./slack/cli.js");
      return runSlackCommand(args, databaseOf(config), io);
    }
    case "staff":
      if (args[0] === "add" || args[0] === "shift") return staffCommand(args, config, io);
      break;
    case "complaints":
      return (await import("./cli-complaints.js")).complaintsCommand(args, config, io);
    case "campaign":
      return (await import("./cli-campaigns.js")).campaignCommand(args, config, io);
    case "hotspots":
      return (await import("./cli-complaints.js")).hotspotsCommand(args, config, io);
    case "spikes":
      return (await import("./cli-spikes.js")).spikesCommand(args, config, io);
    case "db":
      return (await import("./cli-db.js")).dbCommand(args, io);
    case "privacy":
      if (args[0] === "export" || args[0] === "erase") return privacyCommand(args, config, io);
      break;
    case "warm":
      // Run by `npm install` (prepare): derives the trimmed dictionary and trains the models into data/cache, so
      // that the first start is as fast as every later one.
      buildNlu();
      loadDispatchCatalogue();
      io.stdout.write("caches ready in data/cache\n");
      return 0;
    case "help":
    case "--help":
    case "-h":
      io.stdout.write(USAGE);
      return 0;
  }
  io.stderr.write(`unknown command: ${[command, ...args].join(" ")}\n\n${USAGE}`);
  return 2;
}

async function converse(mode: "ask" | "chat", args: string[], config: Config, io: Io): Promise<number> {
  const question = args.join(" ").trim();
  if (mode === "ask" && !question) {
    io.stderr.write('ask needs a question: shouwang ask "征地补偿标准怎么定"\n');
    return 2;
  }
  const logger = createLogger({ level: "warn", destination: io.stderr as never });
  const assistant = await createAssistant({
    dbPath: databaseOf(config),
    knowledgeDir: config.SHOUWANG_KNOWLEDGE_DIR,
    logger,
  });
  const conversationId = `cli:${randomUUID()}`;
  const say = async (text: string): Promise<boolean> => {
    try {
      const result = await assistant.engine.handleMessage({ channel: "cli", conversationId, text });
      printReplies(io.stdout, result.replies);
      return true;
    } catch (e) {
      if (!isAppError(e)) throw e;
      io.stderr.write(`${e.message}\n`);
      return false;
    }
  };
  try {
    if (mode === "ask") return (await say(question)) ? 0 : 1;
    io.stdout.write("守望: 你好，我是「守望」。请直接输入问题，输入「退出」或按 Ctrl+D 结束。\n");
    const rl = createInterface({ input: io.stdin, terminal: false });
    io.stdout.write("你: ");
    for await (const line of rl) {
      const text = line.trim();
      if (text === "退出" || text === "exit" || text === "quit") break;
      if (text) await say(text);
      io.stdout.write("你: ");
    }
    io.stdout.write("\n");
    return 0;
  } finally {
    await assistant.close();
  }
}

const atRisk = (u: Understanding): boolean => isCrisis(u.risk.level) && !u.risk.reportOnly;

async function classify(io: Io): Promise<number> {
  const bundle = buildNlu();
  const { nlu } = bundle;
  const { loadComplaintCategories } = await import("../handoff/complaint-categories.js");
  const categories = bundle.complaintClassifier(loadComplaintCategories());
  /** What a 诉求 would be filed as: best category, its score, and the place named, if any. */
  const complaintOf = (u: Understanding) => {
    if (!u.complaint.recognised) return {};
    const best = categories.infer(u.normalised.text, u.intent.uncertain ? undefined : u.intent.intent)[0];
    const place = u.entities.places[0];
    return {
      complaint: {
        category: best?.category.label ?? null,
        family: best?.category.family ?? null,
        confidence: Math.round((best?.score ?? 0) * 1000) / 1000,
        ...(place ? { place: placeName(place) } : {}),
      },
    };
  };
  const rl = createInterface({ input: io.stdin, crlfDelay: Number.POSITIVE_INFINITY });
  let lineNo = 0;
  let failed = 0;
  let buffer = "";
  const flush = async () => {
    if (!buffer) return;
    const chunk = buffer;
    buffer = "";
    if (!io.stdout.write(chunk)) await new Promise((r) => io.stdout.once("drain", r));
  };
  for await (const line of rl) {
    lineNo++;
    if (line.trim() === "") continue;
    let out: Record<string, unknown>;
    try {
      const input: unknown = JSON.parse(line);
      if (typeof input !== "object" || input === null || Array.isArray(input))
        throw new Error("not a JSON object");
      const text = (input as { text?: unknown }).text;
      if (typeof text !== "string" || text.trim() === "")
        throw new Error('missing a non-empty "text" string');
      const u = nlu.understand(text);
      out = {
        ...input,
        // A message at risk is a crisis whatever the FAQ classifier guessed: the engine acts on the risk first.
        ...(atRisk(u)
          ? { intent: "crisis", confidence: Math.round(u.risk.score * 1000) / 1000 }
          : { intent: u.intent.intent, confidence: Math.round(u.intent.confidence * 1000) / 1000 }),
        risk: u.risk.level,
        riskKind: u.risk.kind,
        subject: u.risk.subject,
        ...complaintOf(u),
        ...(u.answer ? { answerId: u.answer.entry.id } : {}),
        ...(u.referral
          ? {
              referral: {
                domain: u.referral.domain,
                articles: u.referral.articles.map(
                  (a) => `${a.law.replace(/^中华人民共和国/, "")} ${a.label}`,
                ),
              },
            }
          : {}),
      };
    } catch (e) {
      failed++;
      const message = `line ${lineNo}: ${(e as Error).message}`;
      io.stderr.write(`${message}\n`);
      out = { line: lineNo, error: message };
    }
    buffer += `${JSON.stringify(out)}\n`;
    if (buffer.length > 64 * 1024) await flush();
  }
  await flush();
  if (failed > 0) io.stderr.write(`${failed} of ${lineNo} line(s) rejected\n`);
  return failed > 0 ? 1 : 0;
}

function parseFlags(args: string[]): { positional: string[]; flags: Map<string, string[]> } {
  const positional: string[] = [];
  const flags = new Map<string, string[]>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? "";
    if (a.startsWith("--")) {
      const value = args[i + 1];
      if (value === undefined) throw new Error(`${a} needs a value`);
      flags.set(a.slice(2), [...(flags.get(a.slice(2)) ?? []), value]);
      i++;
    } else positional.push(a);
  }
  return { positional, flags };
}

async function readLine(input: Readable): Promise<string> {
  const rl = createInterface({ input, terminal: false });
  for await (const line of rl) {
    rl.close();
    return line;
  }
  return "";
}

/** A subcommand's flags, or undefined after printing what was wrong and the usage. */
function flagsOrUsage(args: string[], io: Io): ReturnType<typeof parseFlags> | undefined {
  try {
    return parseFlags(args);
  } catch (e) {
    io.stderr.write(`${(e as Error).message}\n${USAGE}`);
    return undefined;
  }
}

async function privacyCommand(args: string[], config: Config, io: Io): Promise<number> {
  const parsed = flagsOrUsage(args.slice(1), io);
  if (!parsed) return 2;
  const id = parsed.flags.get("conversation")?.[0];
  const by = parsed.flags.get("by")?.[0];
  if (!id || !by) {
    io.stderr.write(`--conversation and --by (who asked, for the audit log) are required\n${USAGE}`);
    return 2;
  }
  const { openDatabase } = await import("../store/db.js");
  const { eraseOnRequest, exportConversation } = await import("../handoff/privacy.js");
  const db = await openDatabase(databaseOf(config));
  try {
    if (args[0] === "export") {
      const data = await exportConversation(db, id, `cli:${by}`);
      if (!data) {
        io.stderr.write(`no conversation ${id}\n`);
        return 1;
      }
      io.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
      return 0;
    }
    const n = await eraseOnRequest(db, id, `cli:${by}`);
    if (!n) {
      io.stderr.write(`no conversation ${id}\n`);
      return 1;
    }
    io.stdout.write(`erased ${id}: ${n.events} messages, ${n.cases} case(s), ${n.complaints} complaint(s)\n`);
    return 0;
  } finally {
    await db.close();
  }
}

async function staffCommand(args: string[], config: Config, io: Io): Promise<number> {
  const parsed = flagsOrUsage(args.slice(1), io);
  if (!parsed) return 2;
  const [username, ...rest] = parsed.positional;
  if (!username) {
    io.stderr.write(`missing user name\n${USAGE}`);
    return 2;
  }
  const { openDatabase } = await import("../store/db.js");
  const { createStaffDirectory } = await import("../handoff/staff.js");
  const db = await openDatabase(databaseOf(config));
  try {
    const staff = createStaffDirectory(db);
    if (args[0] === "shift") {
      await staff.setShifts(username, rest);
      io.stdout.write(`${username}: ${rest.length} shift rule(s) set\n`);
      return 0;
    }
    const role = parsed.flags.get("role")?.[0];
    if (!role) {
      io.stderr.write("--role is required (counselor, supervisor, department, admin)\n");
      return 2;
    }
    const departmentArg = parsed.flags.get("department")?.[0];
    let department: string | undefined;
    if (departmentArg !== undefined || role === "department") {
      const found = resolveDepartment(departmentArg ?? "");
      if (!found.id) {
        io.stderr.write(`${found.message}\n`);
        return 2;
      }
      department = found.id;
    }
    io.stderr.write(`password for ${username}: `);
    const password = (await readLine(io.stdin)).trim();
    await staff.add({
      username,
      password,
      role: role as never,
      displayName: parsed.flags.get("name")?.[0],
      department,
      shifts: parsed.flags.get("shift"),
    });
    io.stdout.write(`\ncreated ${role} ${username}\n`);
    return 0;
  } catch (e) {
    if (!isAppError(e) && !(e instanceof Error && e.message.startsWith("shift"))) throw e;
    io.stderr.write(`\n${(e as Error).message}\n`);
    return 1;
  } finally {
    await db.close();
  }
}

/** A department of the dispatch catalogue by id or exact name; otherwise the closest names as suggestions. */
function resolveDepartment(query: string): { id?: string; message: string } {
  const catalogue = loadDispatchCatalogue();
  const q = query.trim();
  if (q === "")
    return { message: "a department clerk needs --department (a name or id from the dispatch catalogue)" };
  const all = catalogue.listDepartments();
  const exact = catalogue.departmentById(q) ?? all.find((d) => d.name === q);
  if (exact) return { id: exact.id, message: "" };
  const near = catalogue.searchDepartments(q, 5).map((d) => `  ${d.name}  (${d.id})`);
  return {
    message: `no department "${q}" in the dispatch catalogue${near.length ? `; did you mean:\n${near.join("\n")}` : ""}`,
  };
}

async function kbCheck(io: Io, config: Config, json: boolean): Promise<number> {
  const loaded = readKnowledge(config.SHOUWANG_KNOWLEDGE_DIR);
  const citations = checkCitations(loaded.entries, loadStatutes());
  const citationsOk = citations.unverified.length === 0 && citations.repealed.length === 0;
  if (json) {
    io.stdout.write(`${JSON.stringify({ ...citations, invalid: loaded.problems }, null, 2)}\n`);
    return citationsOk && loaded.problems.length === 0 ? 0 : 1;
  }
  // Rank with the production pipeline (retrieval boosted by the classifier), over the entries that loaded.
  const { nlu } = buildNlu({ entries: loaded.entries });
  const report = checkKnowledge(loaded, (q) => nlu.understand(q).hits[0]?.entry.id);
  io.stdout.write(report.text);
  for (const p of [...citations.repealed, ...citations.unverified])
    io.stdout.write(`CITATION ${p.entry}: ${p.law} ${p.article ?? ""} (${p.reason})\n`);
  io.stdout.write(
    `${citations.citations} citations: ${citations.verified} verified in the statute texts, ${citations.external.length} outside them with a note of where they were checked, ${citations.unverified.length} unverified, ${citations.repealed.length} repealed\n`,
  );
  return report.ok && citationsOk ? 0 : 1;
}
