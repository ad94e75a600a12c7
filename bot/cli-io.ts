import type { Readable, Writable } from "node:stream";

/** The streams a command reads and writes: the process's own, or a test's. Shared by cli.ts and cli-law.ts. */
export interface Io {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
}
