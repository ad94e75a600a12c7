import type { Queryable } from "../store/sql.js";

/** `editor`: drafts legal-education campaigns (普法); an admin approves them. Sees no citizen data. */
export type StaffRole = "counselor" | "supervisor" | "department" | "admin" | "editor";

export interface StaffMember {
  id: number;
  username: string;
  displayName: string;
  role: StaffRole;
  department: string | null;
}

export interface Shift {
  weekday: number;
  startMinute: number;
  endMinute: number;
}

/** Shifts are written in China Standard Time (UTC+8, no daylight saving), whatever the server's zone. */
export function chinaClock(at: Date): { weekday: number; minute: number } {
  const cst = new Date(at.getTime() + 8 * 3600_000);
  return { weekday: cst.getUTCDay(), minute: cst.getUTCHours() * 60 + cst.getUTCMinutes() };
}

const DAYS: Record<string, number> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };

/**
 * Parses "mon-fri 08:00-20:00" or "sat,sun 20:00-08:00" (crossing midnight) into weekly shifts. A shift that
 * crosses midnight becomes two: the evening part on its day and the morning part on the next.
 */
export function parseShift(spec: string): Shift[] {
  const m = /^([a-z,-]+)\s+(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$/i.exec(spec.trim());
  if (!m) throw new Error(`shift must look like "mon-fri 08:00-20:00", got "${spec}"`);
  const [, daysPart = "", h1 = "0", m1 = "0", h2 = "0", m2 = "0"] = m;
  const days = new Set<number>();
  for (const part of daysPart.toLowerCase().split(",")) {
    const [a, b] = part.split("-");
    const from = DAYS[a ?? ""];
    const to = b === undefined ? from : DAYS[b];
    if (from === undefined || to === undefined) throw new Error(`unknown day in "${part}" (use mon..sun)`);
    for (let d = from; ; d = (d + 1) % 7) {
      days.add(d);
      if (d === to) break;
    }
  }
  const start = Number(h1) * 60 + Number(m1);
  const end = Number(h2) * 60 + Number(m2);
  if (start > 1439 || end > 1440 || start === end) throw new Error(`bad times in shift "${spec}"`);
  const out: Shift[] = [];
  for (const d of days) {
    if (end > start) out.push({ weekday: d, startMinute: start, endMinute: end });
    else {
      out.push({ weekday: d, startMinute: start, endMinute: 1440 });
      if (end > 0) out.push({ weekday: (d + 1) % 7, startMinute: 0, endMinute: end });
    }
  }
  return out;
}

interface StaffRow {
  id: number;
  username: string;
  display_name: string;
  role: StaffRole;
  department: string | null;
}

export const toStaff = (r: StaffRow): StaffMember => ({
  id: r.id,
  username: r.username,
  displayName: r.display_name,
  role: r.role,
  department: r.department,
});

/** Staff of the given roles whose shift covers `at`. */
export async function onDuty(q: Queryable, at: Date, roles: readonly StaffRole[]): Promise<StaffMember[]> {
  const { weekday, minute } = chinaClock(at);
  const rows = await q.all<StaffRow>(
    `SELECT DISTINCT s.id, s.username, s.display_name, s.role, s.department FROM staff s
     JOIN shifts sh ON sh.staff_id = s.id
     WHERE s.disabled = 0 AND sh.weekday = ? AND sh.start_minute <= ? AND sh.end_minute > ?
       AND s.role IN (${roles.map(() => "?").join(", ")})
     ORDER BY s.id`,
    [weekday, minute, minute, ...roles],
  );
  return rows.map(toStaff);
}
