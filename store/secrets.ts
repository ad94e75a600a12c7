import { randomBytes } from "node:crypto";
import type { Db } from "./db.js";

/**
 * A server secret kept in the database, made on first use: it must survive restarts (tokens signed with it stay
 * valid) and belong to this installation alone. 32 random bytes, base64url.
 */
export async function serverSecret(db: Db, name: string): Promise<Buffer> {
  const row = await db.get<{ value: string }>("SELECT value FROM secrets WHERE name = ?", [name]);
  if (row) return Buffer.from(row.value, "base64url");
  const value = randomBytes(32).toString("base64url");
  // Two processes starting at once on one database agree on the first secret written.
  await db.run("INSERT INTO secrets (name, value, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", [
    name,
    value,
    new Date().toISOString(),
  ]);
  const stored = await db.get<{ value: string }>("SELECT value FROM secrets WHERE name = ?", [name]);
  return Buffer.from(stored?.value ?? value, "base64url");
}
