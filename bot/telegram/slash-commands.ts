import { COMMANDS } from "../messages.js";

/**
 * Slash commands become the engine's own command words. (The engine lists "/start" etc. as aliases, but its
 * readability check runs first and answers ASCII-only text as unreadable, so "/start" must not reach it as is.)
 */
const SLASH_COMMANDS: Record<string, string> = {
  start: COMMANDS.start,
  help: COMMANDS.help,
  menu: COMMANDS.help,
  human: COMMANDS.human,
  status: COMMANDS.status,
  subscribe: COMMANDS.subscribe,
  unsubscribe: COMMANDS.unsubscribe,
  complain: COMMANDS.complain,
};

/**
 * `/start`, `/start@ShouwangBot`, `/start some-deep-link` → 开始, and so on. Other text is unchanged (NUL
 * characters, which Telegram never sends but a forged update could, are dropped).
 */
export function commandText(text: string): string {
  const m = /^\/([A-Za-z0-9_]+)(?:@\w+)?(?:\s[\s\S]*)?$/.exec(text.trim());
  const name = m?.[1]?.toLowerCase();
  const command = name ? SLASH_COMMANDS[name] : undefined;
  return command ?? text.replaceAll("\u0000", "");
}
