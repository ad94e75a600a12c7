import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * A web conversation belongs to whoever holds its token: `<conversation id>.<HMAC of the id>`, signed with a
 * server secret. The id alone (which staff screens show) opens nothing; an id the server did not issue has no
 * valid token, so a client cannot pick its own (or the nil UUID).
 *
 * A first message has no token yet. Its conversation id is derived from the client's message id (HMAC again), so
 * a first message retried over a flaky network lands in the same conversation and is answered once, as before;
 * the message id is a random value only that client knows.
 */
export interface ConversationTokens {
  issue(conversationId: string): string;
  /** The conversation a token opens, or undefined when it is forged, malformed or for another installation. */
  verify(token: string): string | undefined;
  /** The conversation a first message with this client message id starts. */
  conversationFor(messageId: string): string;
  /**
   * A keyed hash of the client's address, truncated to 96 bits: enough to tell one client's crises from
   * another's, useless for finding the address again without the server's secret.
   */
  clientKey(address: string): string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export function createConversationTokens(secret: Buffer): ConversationTokens {
  const mac = (purpose: string, value: string) =>
    createHmac("sha256", secret).update(purpose).update("\u0000").update(value).digest();
  const sign = (id: string) => mac("token", id).toString("base64url");
  return {
    issue: (conversationId) => `${conversationId}.${sign(conversationId)}`,
    verify(token) {
      const dot = token.indexOf(".");
      if (dot !== 36 || token.length > 100) return undefined;
      const id = token.slice(0, dot);
      if (!UUID.test(id)) return undefined;
      const given = Buffer.from(token.slice(dot + 1), "base64url");
      const expected = mac("token", id);
      return given.length === expected.length && timingSafeEqual(given, expected) ? id : undefined;
    },
    clientKey: (address) => mac("client", address).subarray(0, 12).toString("base64url"),
    conversationFor(messageId) {
      const b = mac("first-message", messageId).subarray(0, 16);
      b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
      b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
      const h = b.toString("hex");
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    },
  };
}
