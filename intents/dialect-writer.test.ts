import { describe, expect, it } from "vitest";
import { writerInDialect } from "./dialect-writer.js";

describe("writerInDialect", () => {
  it("lets a pattern about the writer read 俺 as well, leaving character classes and escapes as written", () => {
    const re = new RegExp(writerInDialect("打我|不让我(?:出门|吃饭)|[^我]骂"));
    for (const text of ["他又打俺", "不让俺出门", "天天打我"]) expect(re.test(text), text).toBe(true);
    expect(writerInDialect("[我们]|\\我")).toBe("[我们]|\\我");
    expect(new RegExp(writerInDialect("(?<!我)骂人")).test("俺骂人")).toBe(false);
  });
});
