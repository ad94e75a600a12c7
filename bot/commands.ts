/** Command words: what a typed command, a button payload or an intent asks the bot to do. */
import { COMMANDS } from "./messages.js";

const COMMAND_ALIASES: Record<string, string> = {
  "/start": COMMANDS.start,
  开始: COMMANDS.start,
  菜单: COMMANDS.help,
  "/help": COMMANDS.help,
  帮助: COMMANDS.help,
  "/human": COMMANDS.human,
  人工: COMMANDS.human,
  转人工: COMMANDS.human,
  人工客服: COMMANDS.human,
  "/status": COMMANDS.status,
  查询进度: COMMANDS.status,
  "/subscribe": COMMANDS.subscribe,
  订阅: COMMANDS.subscribe,
  "/unsubscribe": COMMANDS.unsubscribe,
  退订: COMMANDS.unsubscribe,
  取消订阅: COMMANDS.unsubscribe,
  [COMMANDS.policy]: COMMANDS.policy,
  [COMMANDS.support]: COMMANDS.support,
  [COMMANDS.complain]: COMMANDS.complain,
  "/complain": COMMANDS.complain,
  [COMMANDS.acceptCounselor]: COMMANDS.acceptCounselor,
  [COMMANDS.registerComplaint]: COMMANDS.registerComplaint,
  [COMMANDS.declineComplaint]: COMMANDS.declineComplaint,
  [COMMANDS.declineCounselor]: COMMANDS.declineCounselor,
  [COMMANDS.addToCase]: COMMANDS.addToCase,
  [COMMANDS.newQuestion]: COMMANDS.newQuestion,
};

/** Exact commands and button payloads, compared without trailing punctuation and Telegram's @botname suffix. */
export function commandOf(text: string): string | undefined {
  const key = text
    .replace(/@\w+$/, "")
    .replace(/[\s。.!！?？~～]+$/u, "")
    .trim();
  return COMMAND_ALIASES[key] ?? (key.startsWith("查询进度") ? COMMANDS.status : undefined);
}

/** The command an intent amounts to (ask_human → 转人工, …); other intents pass through as they are. */
export function metaCommand(intent: string | undefined): string | undefined {
  switch (intent) {
    case "ask_human":
      return COMMANDS.human;
    case "case_status":
      return COMMANDS.status;
    case "complaint":
      return COMMANDS.complain;
    case "subscribe":
      return COMMANDS.subscribe;
    case "unsubscribe":
      return COMMANDS.unsubscribe;
    case "help":
      return COMMANDS.help;
    default:
      return intent;
  }
}
