import type { App } from "@slack/bolt";
import type { SlackContext } from "../context.js";
import { claimCase } from "./claim-case.js";
import { openResolve } from "./open-resolve.js";
import { openTransfer } from "./open-transfer.js";
import { submitResolve } from "./submit-resolve.js";
import { submitTransfer } from "./submit-transfer.js";
import { threadReply } from "./thread-reply.js";

/** Every listener lives in its own file; this is the list. */
export function registerListeners(app: App, ctx: SlackContext): void {
  claimCase(app, ctx);
  openTransfer(app, ctx);
  submitTransfer(app, ctx);
  openResolve(app, ctx);
  submitResolve(app, ctx);
  threadReply(app, ctx);
}
