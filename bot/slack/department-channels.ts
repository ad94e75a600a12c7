import { departmentById } from "../../handoff/dispatch.js";

/**
 * Parses SLACK_DEPARTMENT_CHANNELS: "松山区/hrss-labour-inspection=C0123,准格尔旗/natural-resources=C0456"
 * (commas, full-width commas, semicolons or newlines between pairs; spaces ignored). A malformed pair, a channel
 * id that is not C…/G…, or a department listed twice is an error (a typo must not silently send a
 * department's cases nowhere). Unset or blank: no department channels.
 */
export function parseDepartmentChannels(spec: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!spec?.trim()) return out;
  for (const raw of spec.split(/[,，;；\n]/)) {
    const pair = raw.trim();
    if (!pair) continue;
    const eq = pair.lastIndexOf("=");
    const department = eq > 0 ? pair.slice(0, eq).trim() : "";
    const channel = eq > 0 ? pair.slice(eq + 1).trim() : "";
    if (!department || !channel)
      throw new Error(
        `SLACK_DEPARTMENT_CHANNELS: "${pair}" should look like 松山区/hrss-labour-inspection=C0123ABCD`,
      );
    if (!/^[CG][A-Z0-9]{2,}$/.test(channel))
      throw new Error(`SLACK_DEPARTMENT_CHANNELS: "${channel}" is not a Slack channel id (C… or G…)`);
    if (department in out) throw new Error(`SLACK_DEPARTMENT_CHANNELS: ${department} is listed twice`);
    out[department] = channel;
  }
  return out;
}

/** Department ids of the mapping that the dispatch catalogue does not know (worth a warning at start). */
export function unknownDepartments(channels: Record<string, string>): string[] {
  return Object.keys(channels).filter((id) => departmentById(id) === undefined);
}
