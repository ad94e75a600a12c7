import { describe, expect, it } from "vitest";
import { canTransition, nextState } from "./case-state.js";

describe("case state machine", () => {
  it("follows waiting -> claimed -> active -> resolved -> closed", () => {
    expect(nextState("waiting", "claim")).toBe("claimed");
    expect(nextState("claimed", "start")).toBe("active");
    expect(nextState("active", "resolve")).toBe("resolved");
    expect(nextState("resolved", "close")).toBe("closed");
  });
  it("supports transfer, release and abandon", () => {
    expect(nextState("active", "transfer")).toBe("transferred");
    expect(nextState("transferred", "claim")).toBe("claimed");
    expect(nextState("claimed", "release")).toBe("waiting");
    expect(nextState("waiting", "abandon")).toBe("abandoned");
  });
  it("rejects illegal transitions with an error", () => {
    expect(() => nextState("closed", "claim")).toThrow(/closed，不能执行 claim/);
    expect(() => nextState("waiting", "start")).toThrow();
    expect(canTransition("resolved", "claim")).toBe(false);
  });
});
