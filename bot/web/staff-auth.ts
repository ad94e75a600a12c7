import type { FastifyRequest } from "fastify";
import { AppError } from "../../core/app-error.js";
import type { StaffMember, StaffRole } from "../../handoff/roster.js";
import type { Session, StaffDirectory } from "../../handoff/staff.js";

export const SESSION_COOKIE = "sw_session";

/**
 * The one access rule of the staff console: a session cookie, the session's CSRF token on anything that is not a
 * GET, and a role the route names. Runs as `onRequest`, before the body is parsed or validated, so an anonymous
 * request learns nothing about a route's schema.
 */
export function createStaffGuard(staff: StaffDirectory) {
  const sessions = new WeakMap<FastifyRequest, Session>();
  return {
    guard: (roles: readonly StaffRole[]) => async (req: FastifyRequest) => {
      const session = await staff.session(req.cookies[SESSION_COOKIE]);
      if (!session) throw new AppError("unauthorized", "请先登录");
      if (req.method !== "GET" && req.headers["x-csrf-token"] !== session.csrf) {
        throw new AppError("forbidden", "页面已过期，请刷新后重试（CSRF 校验失败）");
      }
      if (!roles.includes(session.staff.role)) throw new AppError("forbidden", "你的角色无权访问此功能");
      sessions.set(req, session);
    },
    session: (req: FastifyRequest): Session => {
      const s = sessions.get(req);
      if (!s) throw new AppError("unauthorized", "请先登录");
      return s;
    },
    me: (req: FastifyRequest): StaffMember => {
      const s = sessions.get(req);
      if (!s) throw new AppError("unauthorized", "请先登录");
      return s.staff;
    },
  };
}
