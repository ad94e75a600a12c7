import { isAppError } from "../core/app-error.js";
import { parseArgs, UsageError } from "./cli-complaints.js";
import type { Io } from "./cli-io.js";

/** `shouwang db copy`: a SQLite deployment moved to PostgreSQL (docs/deploy.md, "Moving from SQLite"). */

export const DB_USAGE = `  shouwang db copy --from data/shouwang.db --to postgres://user:password@host:5432/shouwang
                           move a SQLite deployment to PostgreSQL: every table, ids kept, all or nothing, into a
                           database without Shouwang data; stop the server first (docs/deploy.md, "Moving from SQLite")
`;

export async function dbCommand(args: string[], io: Io): Promise<number> {
  let from: string;
  let to: string;
  try {
    if (args[0] !== "copy") throw new UsageError(`unknown db command: ${args[0] ?? "(none)"}`);
    const p = parseArgs(args.slice(1), ["from", "to"], []);
    if (p.positional.length) throw new UsageError(`unexpected ${p.positional.join(" ")}`);
    from = p.values.get("from") ?? "";
    to = p.values.get("to") ?? "";
    if (!from || !to) throw new UsageError("--from <SQLite file> and --to <postgres:// URL> are both needed");
    const { isPostgresUrl } = await import("../store/db.js");
    if (isPostgresUrl(from))
      throw new UsageError("--from is the SQLite file; the PostgreSQL URL goes to --to");
    if (!isPostgresUrl(to)) throw new UsageError("--to must be a postgres:// URL");
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr.write(`${e.message}\n\nusage:\n${DB_USAGE}`);
    return 2;
  }
  // Loaded here: the pg driver and the migrations are no other command's business.
  const { copyToPostgres } = await import("../store/copy-to-postgres.js");
  try {
    const report = await copyToPostgres(from, to, {
      onTable: (table, rows) => io.stderr.write(`copied ${table}: ${rows}\n`),
    });
    const width = Math.max(5, ...report.tables.map((t) => t.table.length));
    io.stdout.write(`${"table".padEnd(width)}  ${"sqlite".padStart(9)}  ${"postgres".padStart(9)}\n`);
    for (const t of report.tables)
      io.stdout.write(
        `${t.table.padEnd(width)}  ${String(t.source).padStart(9)}  ${String(t.target).padStart(9)}${t.source === t.target ? "" : "  MISMATCH"}\n`,
      );
    const total = report.tables.reduce((n, t) => n + t.source, 0);
    if (report.mismatched.length > 0) {
      io.stderr.write(
        `row counts differ after the copy in ${report.mismatched.join(", ")}: did something else write to ${report.target}? Do not start on it until this is understood\n`,
      );
      return 1;
    }
    io.stdout.write(
      `${total} rows in ${report.tables.length} tables copied to ${report.target}; counts match\n`,
    );
    return 0;
  } catch (e) {
    if (!isAppError(e)) throw e;
    io.stderr.write(`${e.message}\n`);
    return 1;
  }
}
