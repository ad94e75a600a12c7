/** A WeChat conversation is its follower's openid under this account. */
export const conversationIdOf = (openId: string) => `wx:${openId}`;
export const openIdOf = (conversationId: string): string | undefined => {
  const m = /^wx:([A-Za-z0-9_-]{1,64})$/.exec(conversationId);
  return m?.[1];
};

/** WeChat lets an account write to a person for 48 hours after that person's last message. */
export const WINDOW_MS = 48 * 60 * 60 * 1000;
