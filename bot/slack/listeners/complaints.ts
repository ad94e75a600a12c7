import type { App } from "@slack/bolt";
import { acceptComplaint, openComplaintModals } from "./complaint-buttons.js";
import type { ComplaintSlackContext } from "./complaint-context.js";
import { submitComplaintModals } from "./complaint-submit.js";
import { complaintThreadReply } from "./complaint-thread-reply.js";

/** The department channels' listeners (registered only when some department has a channel). */
export function registerComplaintListeners(app: App, ctx: ComplaintSlackContext): void {
  acceptComplaint(app, ctx);
  openComplaintModals(app, ctx);
  submitComplaintModals(app, ctx);
  complaintThreadReply(app, ctx);
}
