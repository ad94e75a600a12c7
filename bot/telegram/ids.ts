/** A Telegram chat's conversation id in the engine, and back. */
export const conversationIdOf = (chatId: number | string) => `tg:${chatId}`;

export const chatIdOf = (conversationId: string): number | undefined => {
  const m = /^tg:(-?\d+)$/.exec(conversationId);
  return m ? Number(m[1]) : undefined;
};
