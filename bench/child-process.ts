/**
 * The benches' child processes (the assistant and a channel in a process the bench can kill -9): start one
 * from a script beside this file, ask it over IPC for its CPU time, wait for it to exit.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export interface Child {
  proc: ChildProcess;
  /** Resolves with the first line the child prints (JSON) once it is ready. */
  ready: Promise<{ port: number }>;
}

/**
 * Starts `<name>.ts` under tsx (or `<name>.js` from dist/), with `env` added. BENCH_PROFILE_DIR=dir writes a CPU
 * profile of each child there (it must exit by SIGTERM to write it).
 */
export function startChild(name: string, env: Record<string, string>, nodeArgs: string[] = []): Child {
  const here = dirname(fileURLToPath(import.meta.url));
  const script = join(here, `${name}${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`);
  const prof = process.env.BENCH_PROFILE_DIR
    ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`]
    : [];
  const proc = spawn(process.execPath, [...process.execArgv, ...nodeArgs, ...prof, script], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit", "ipc"],
  });
  const ready = new Promise<{ port: number }>((resolve, reject) => {
    let buf = "";
    proc.stdout?.on("data", (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf("\n");
      if (nl >= 0) resolve(JSON.parse(buf.slice(0, nl)) as { port: number });
    });
    proc.once("exit", (code) => reject(new Error(`${name} exited with ${code} before it was ready`)));
  });
  ready.catch(() => undefined);
  return { proc, ready };
}

/** CPU seconds (user + system) the child has used so far. */
export function childCpu(proc: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    const on = (m: unknown) => {
      const cpu = (m as { cpu?: NodeJS.CpuUsage }).cpu;
      if (!cpu) return;
      proc.off("message", on);
      resolve((cpu.user + cpu.system) / 1e6);
    };
    proc.on("message", on);
    proc.send("cpu");
  });
}

/** CPU seconds this process has used so far. */
export const cpuNow = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
};

export const exited = (p: ChildProcess) =>
  p.exitCode !== null || p.signalCode !== null
    ? Promise.resolve()
    : new Promise<void>((resolve) => p.once("exit", () => resolve()));
