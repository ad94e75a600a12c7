import { createHash } from "node:crypto";

/**
 * The Content-Security-Policy for one of our static pages: its inline scripts are allowed by their SHA-256 and
 * nothing else may run (no 'unsafe-inline' for scripts, so an injected <script> or on* attribute is inert). Styles
 * stay inline-allowed: they cannot run code. Framing is refused.
 */
export function pageCsp(html: string | Buffer, options: { ownScripts?: boolean } = {}): string {
  const text = typeof html === "string" ? html : html.toString("utf8");
  const hashes = [...text.matchAll(/<script>([\s\S]*?)<\/script>/g)].map(
    (m) =>
      `'sha256-${createHash("sha256")
        .update(m[1] ?? "", "utf8")
        .digest("base64")}'`,
  );
  return [
    "default-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    // ownScripts: files this server serves itself (the dashboard's bundled chart library), never another origin.
    `script-src ${[...(options.ownScripts ? ["'self'"] : []), ...hashes].join(" ") || "'none'"}`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}
