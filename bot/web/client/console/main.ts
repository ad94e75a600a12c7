import { $, say } from "../shared/dom.js";
import { closeComplaint, connectComplaints, refreshComplaints } from "./complaints.js";
import { closeCase, connectCrisis, refreshQueue } from "./crisis.js";
import { showIdle } from "./departments.js";
import { closeStreams } from "./live.js";
import {
  act,
  api,
  campaignRole,
  complaintRole,
  crisisRole,
  hooks,
  type SignIn,
  session,
  supervisor,
} from "./session.js";
import { unlockAudio } from "./sound.js";
import { showTab, type Tab } from "./tabs.js";

// The staff console (值班台): sign-in, the tabs each role sees, and the live streams that keep them current.

const ROLE: Record<string, string> = {
  counselor: "咨询师",
  supervisor: "督办",
  department: "承办部门",
  admin: "管理员",
  editor: "普法编辑",
};

document.addEventListener("click", unlockAudio, { capture: true });
$("msg").addEventListener("click", () => say(""));

function signedIn(data: SignIn): void {
  const me = data.user;
  session.me = me;
  session.csrf = data.csrf;
  if (data.outcomes) session.outcomes = data.outcomes;
  $("login").hidden = true;
  $("app").hidden = false;
  $("logout").hidden = false;
  $("who").textContent =
    `${me.displayName || me.username}（${ROLE[me.role] || me.role}${me.department ? ` · ${me.department}` : ""}）`;
  const so = $("sOut");
  so.textContent = "";
  for (const o of session.outcomes) so.appendChild(new Option(o, o));
  const views = [
    crisisRole() && "crisis",
    complaintRole() && "complaints",
    campaignRole() && "campaigns",
  ].filter((v): v is Tab => !!v);
  $("tabs").hidden = views.length < 2;
  for (const b of $("tabs").querySelectorAll("button")) b.hidden = !views.includes(b.dataset.tab as Tab);
  $("bStats").hidden = !supervisor();
  $("toDashboard").hidden = !supervisor();
  showTab(views[0] || "complaints");
  if (crisisRole()) {
    connectCrisis();
    refreshQueue();
  }
  if (complaintRole()) {
    connectComplaints();
    refreshComplaints();
    showIdle();
  }
}
function signedOut(): void {
  session.me = null;
  session.csrf = "";
  closeCase();
  closeComplaint();
  closeStreams();
  $("app").hidden = true;
  $("logout").hidden = true;
  $("toDashboard").hidden = true;
  $("spike").hidden = true;
  $("login").hidden = false;
  $("who").textContent = "";
  $("tabs").hidden = true;
}
hooks.signedOut = signedOut;

$("login").addEventListener(
  "submit",
  act(async () => {
    unlockAudio();
    const data = await api<SignIn>("login", {
      username: $<HTMLInputElement>("lu").value.trim(),
      password: $<HTMLInputElement>("lp").value,
    });
    $<HTMLInputElement>("lp").value = "";
    if (!session.outcomes.length) {
      try {
        session.outcomes = (await api<SignIn>("me")).outcomes || [];
      } catch {
        /* keep going */
      }
    }
    signedIn(data);
  }),
);
$("logout").addEventListener(
  "click",
  act(async () => {
    await api("logout", {});
    signedOut();
  }),
);

api<SignIn>("me").then(signedIn, () => {
  $("login").hidden = false;
});
