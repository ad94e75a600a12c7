import { describe, expect, it } from "vitest";
import { canComplaint, nextComplaintState } from "./complaint-state.js";

describe("complaint lifecycle", () => {
  it("takes a case from dispatch through acceptance and a request for material to closing", () => {
    let s = nextComplaintState("dispatched", "accept");
    expect(s).toBe("accepted");
    s = nextComplaintState(s, "requestInfo");
    expect(s).toBe("awaiting_info");
    // The citizen's material puts the case back in the department's hands.
    s = nextComplaintState(s, "citizenAdded");
    expect(s).toBe("accepted");
    expect(nextComplaintState(s, "close")).toBe("closed");
  });

  it("refuses work on a closed case, in words a clerk understands", () => {
    for (const action of ["reply", "extend", "return", "redispatch", "accept"] as const)
      expect(canComplaint("closed", action)).toBe(false);
    expect(() => nextComplaintState("closed", "reply")).toThrow(/已办结/);
  });

  it("lets only a re-dispatch move a returned case, and reopens a closed one the citizen says is unsolved", () => {
    expect(canComplaint("returned", "accept")).toBe(false);
    expect(canComplaint("returned", "close")).toBe(false);
    expect(nextComplaintState("returned", "redispatch")).toBe("dispatched");
    expect(nextComplaintState("closed", "citizenUnresolved")).toBe("returned");
    // A department cannot close or reply to a case it has not accepted.
    expect(canComplaint("dispatched", "close")).toBe(false);
    expect(canComplaint("dispatched", "reply")).toBe(false);
  });
});
