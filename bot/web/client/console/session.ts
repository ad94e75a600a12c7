import { ApiError, request } from "../shared/api.js";
import { say } from "../shared/dom.js";

export type Role = "counselor" | "supervisor" | "department" | "admin" | "editor";

export interface Staff {
  id: string;
  username: string;
  displayName?: string | null;
  role: Role;
  department?: string | null;
}

/** What /console/api/me and /console/api/login answer. */
export interface SignIn {
  user: Staff;
  csrf: string;
  outcomes?: string[];
}

/** Who is signed in: the console's one piece of shared state. */
export const session: { me: Staff | null; csrf: string; outcomes: string[] } = {
  me: null,
  csrf: "",
  outcomes: [],
};

/** Set by the page: what a 401 (the session ended) does. */
export const hooks: { signedOut: () => void } = { signedOut: () => {} };

const ERR: Record<string, string> = {
  forbidden: "无权操作：",
  conflict: "操作冲突：",
  not_found: "未找到：",
  illegal_transition: "当前状态不允许：",
};

// Counselors work crises, department clerks complaints, supervisors and admins both (as tabs).
const hasRole = (...roles: Role[]) => !!session.me && roles.includes(session.me.role);
export const crisisRole = () => hasRole("counselor", "supervisor", "admin");
export const complaintRole = () => hasRole("department", "supervisor", "admin");
export const supervisor = () => hasRole("supervisor", "admin");
export const campaignRole = () => hasRole("admin", "editor");

/** The signed-in staff member; only called where a session exists. */
export function me(): Staff {
  if (!session.me) throw new Error("未登录");
  return session.me;
}

/** A console API call; a 401 (outside login) signs the page out. */
export async function api<T>(path: string, body?: unknown): Promise<T> {
  try {
    return await request<T>(path, body, session.csrf, ERR);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401 && path !== "login") hooks.signedOut();
    throw err;
  }
}

/** An event handler that runs `fn` with its button disabled meanwhile, and shows what went wrong in #msg. */
export const act =
  (fn: () => unknown) =>
  async (e?: Event): Promise<void> => {
    if (e) e.preventDefault();
    const target = e?.currentTarget as HTMLElement | null | undefined;
    const btn = (e && ((e as SubmitEvent).submitter || (target?.tagName === "BUTTON" ? target : null))) as
      | HTMLButtonElement
      | null
      | undefined;
    if (btn) btn.disabled = true;
    try {
      say("");
      await fn();
    } catch (err) {
      say((err as Error).message);
    } finally {
      if (btn) btn.disabled = false;
    }
  };
