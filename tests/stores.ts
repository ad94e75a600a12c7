import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe } from "vitest";
import { startTestPostgres, type TestPostgres } from "./postgres-server.js";

/**
 * The store-parameterised suite: `forEachStore(() => { … })` runs the same tests once on a SQLite file and once on
 * a real PostgreSQL server (started once per test file), each test's assistant on a fresh database. Inside,
 * `testAssistant()` (helpers.ts) opens the current store; `currentStore()` gives it to tests that open their own.
 * SHOUWANG_TEST_STORES=sqlite (or postgres) runs one of them only.
 */
export type StoreKind = "sqlite" | "postgres";

export interface TestStore {
  readonly kind: StoreKind;
  /** A fresh, empty database: a SQLite file path or a postgres:// URL. */
  fresh(): Promise<string>;
  /** The environment a CLI run on `target` gets (SHOUWANG_DB or SHOUWANG_DATABASE_URL). */
  env(target: string): Record<string, string>;
}

let current: TestStore | undefined;
export const currentStore = (): TestStore | undefined => current;

export const storeEnv = (target: string): Record<string, string> =>
  /^postgres(ql)?:\/\//.test(target) ? { SHOUWANG_DATABASE_URL: target } : { SHOUWANG_DB: target };

const selected = (): StoreKind[] => {
  const only = process.env.SHOUWANG_TEST_STORES;
  const all: StoreKind[] = ["sqlite", "postgres"];
  return only ? all.filter((k) => only.split(",").includes(k)) : all;
};

export function forEachStore(body: (store: TestStore) => void): void {
  for (const kind of selected()) {
    describe(`on ${kind}`, () => {
      let server: TestPostgres | undefined;
      let dir: string | undefined;
      let n = 0;
      const store: TestStore = {
        kind,
        async fresh() {
          if (kind === "postgres") {
            if (!server) throw new Error("the test PostgreSQL server is not running");
            return server.freshDatabase();
          }
          dir ??= mkdtempSync(join(tmpdir(), "shouwang-store-"));
          return join(dir, `db-${++n}.db`);
        },
        env: storeEnv,
      };
      beforeAll(async () => {
        if (kind === "postgres") server = await startTestPostgres();
        current = store;
      }, 60_000);
      afterAll(async () => {
        current = undefined;
        await server?.stop();
        if (dir) rmSync(dir, { recursive: true, force: true });
      });
      body(store);
    });
  }
}
