import { join } from "node:path";
import { z } from "zod";

/** Everything configurable, parsed once from the environment by main.ts; nothing else reads process.env. */
export const Config = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default("localhost"),
  SHOUWANG_DB: z.string().default("./data/shouwang.db"),
  /**
   * postgres://user:password@host:port/database: the PostgreSQL store instead of the SQLite file SHOUWANG_DB, for
   * deployments of several instances (docs/deploy.md). Never a silent fall-back: unreachable, start-up stops.
   */
  SHOUWANG_DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\/./i, "must be a postgres:// URL (postgres://user:password@host:5432/database)")
    .optional(),
  SHOUWANG_KNOWLEDGE_DIR: z.string().optional(),
  /**
   * This instance's own folder, on its own disk, for what must be written before a request leaves and so cannot
   * wait for a database: on PostgreSQL, Telegram's send journal (with SQLite it stays next to the database file).
   * Never shared between instances (docs/deploy.md).
   */
  SHOUWANG_STATE_DIR: z.string().default("./data"),
  /**
   * Addresses or CIDR ranges of the reverse proxies in front of us ("127.0.0.1,10.0.0.0/8"). Only their
   * X-Forwarded-For is believed; without it the client's address is the socket's, whatever the header says.
   */
  SHOUWANG_TRUSTED_PROXIES: z
    .string()
    .optional()
    .transform((s) =>
      s
        ?.split(",")
        .map((x) => x.trim())
        .filter(Boolean),
    ),
  /**
   * Days a conversation (transcript, cases, complaints) is kept after its last message once nothing is open on it;
   * then its content is erased. 0 keeps everything (only for a deployment with its own retention process).
   */
  SHOUWANG_RETENTION_DAYS: z.coerce.number().int().min(0).max(3650).default(365),
  /**
   * Minutes after a web client's crisis case opened during which its further crises (fresh conversations from the
   * same address) join that case instead of opening one and paging counselors again.
   */
  SHOUWANG_CASE_JOIN_MINUTES: z.coerce.number().int().min(0).max(1440).default(10),
  /** Set to true behind HTTPS so staff session cookies are marked Secure. */
  SECURE_COOKIES: z.stringbool().default(false),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  TELEGRAM_BOT_TOKEN: z.string().optional(),
  TELEGRAM_API_ROOT: z.string().url().optional(),
  TELEGRAM_MODE: z.enum(["polling", "webhook"]).default("polling"),
  TELEGRAM_WEBHOOK_SECRET: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,256}$/, "1-256 characters of A-Z, a-z, 0-9, _ and -")
    .optional(),
  TELEGRAM_WEBHOOK_URL: z.string().url().optional(),
  SLACK_BOT_TOKEN: z.string().optional(),
  SLACK_SIGNING_SECRET: z.string().optional(),
  SLACK_API_URL: z.string().url().optional(),
  SLACK_COUNSELOR_CHANNEL: z.string().optional(),
  SLACK_MODE: z.enum(["http", "socket"]).default("http"),
  SLACK_APP_TOKEN: z.string().optional(),
  /** "松山区/hrss-labour-inspection=C0123,准格尔旗/natural-resources=C0456": where each department works complaints. */
  SLACK_DEPARTMENT_CHANNELS: z.string().optional(),
  /** The supervisors' channel id: spike alerts (诉求突增) with the cases behind them. Off when unset. */
  SLACK_SUPERVISOR_CHANNEL: z.string().optional(),
  /** WeChat Official Account (服务号), off unless WECHAT_TOKEN is set; see docs/wechat.md. */
  WECHAT_TOKEN: z
    .string()
    .regex(/^[A-Za-z0-9]{3,32}$/, "3-32 letters and digits, as entered in 服务器配置")
    .optional(),
  WECHAT_APP_ID: z.string().optional(),
  WECHAT_APP_SECRET: z.string().optional(),
  /** 安全模式: the 43-character EncodingAESKey; set, every message must come encrypted. */
  WECHAT_ENCODING_AES_KEY: z
    .string()
    .regex(/^[A-Za-z0-9+/]{43}$/, "the 43 characters the platform generated")
    .optional(),
  WECHAT_API_ROOT: z.string().url().optional(),
  /** A WeCom (企业微信) group robot's webhook URL: crisis and overdue alerts for staff outside Slack. */
  WECOM_ROBOT_WEBHOOK: z.string().url().optional(),
  /** A DingTalk (钉钉) group robot's webhook URL and its 加签 secret (SEC…). */
  DINGTALK_ROBOT_WEBHOOK: z.string().url().optional(),
  DINGTALK_ROBOT_SECRET: z.string().optional(),
  /** Where staff open the console, for the link in robot alerts (default: http://HOST:PORT/console). */
  SHOUWANG_CONSOLE_URL: z.string().url().optional(),
});
export type Config = z.infer<typeof Config>;

export function parseConfig(env: Record<string, string | undefined>): Config {
  const parsed = Config.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n");
    throw new Error(`invalid configuration:\n${lines}`);
  }
  return parsed.data;
}

/** The store every command and the server open: the PostgreSQL URL when set, else the SQLite file. */
export const databaseOf = (config: Config): string => config.SHOUWANG_DATABASE_URL ?? config.SHOUWANG_DB;

/**
 * Where the Telegram channel keeps its send journal on PostgreSQL: in this instance's state folder, named by its
 * port, so that two instances started from one folder on one machine (one PORT each) never share a journal.
 * Undefined with SQLite, whose journal stays next to the database file (journalPathOf).
 */
export const telegramJournalOf = (config: Config): string | undefined =>
  config.SHOUWANG_DATABASE_URL ? join(config.SHOUWANG_STATE_DIR, `telegram-sends-${config.PORT}`) : undefined;
