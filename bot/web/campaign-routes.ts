import cookie from "@fastify/cookie";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { CAMPAIGN_CHANNELS, formatQuietHours, parseQuietHours } from "../../campaigns/campaign-rules.js";
import { type CampaignInput, type CampaignService, STATE_LABELS } from "../../campaigns/campaigns.js";
import type { Dispatcher } from "../../campaigns/dispatcher.js";
import { TOPICS } from "../../campaigns/topics.js";
import type { StaffRole } from "../../handoff/roster.js";
import type { StaffDirectory } from "../../handoff/staff.js";
import { createStaffGuard } from "./staff-auth.js";

const AUTHORS: readonly StaffRole[] = ["admin", "editor"];
const ADMINS: readonly StaffRole[] = ["admin"];
const Params = z.object({ id: z.coerce.number().int().positive().max(1e9) });
const Words = z.array(z.string().trim().min(1).max(40)).max(20);

/** The draft form; lengths are checked again (with staff-readable messages) by the campaign service. */
const Draft = z.object({
  title: z.string().max(200),
  body: z.string().max(20_000),
  topics: Words.min(1, { message: "至少选择一个主题" }),
  places: Words.optional(),
  channels: z.array(z.enum(CAMPAIGN_CHANNELS)).max(3).optional(),
  entries: z.array(z.string().max(80)).max(10).optional(),
  articles: z.array(z.string().max(80)).max(10).optional(),
  sendAt: z.string().max(40).optional(),
  quietHours: z.string().max(20).optional(),
  weeklyCap: z.number().int().optional(),
});

const input = (d: z.infer<typeof Draft>): CampaignInput => ({
  title: d.title,
  body: d.body,
  topics: d.topics,
  ...(d.places ? { places: d.places } : {}),
  ...(d.channels ? { channels: d.channels } : {}),
  ...(d.entries ? { entries: d.entries } : {}),
  ...(d.articles ? { articles: d.articles } : {}),
  ...(d.sendAt ? { sendAt: d.sendAt } : {}),
  ...(d.quietHours !== undefined && d.quietHours.trim() !== ""
    ? { quietHours: parseQuietHours(d.quietHours) }
    : {}),
  ...(d.weeklyCap !== undefined ? { weeklyCap: d.weeklyCap } : {}),
});

/**
 * 普法 campaigns in the console: editors and admins draft and preview, an admin other than the author approves,
 * admins pause, resume and cancel. Staff see campaigns and counts only, never who the subscribers are.
 */
export async function campaignRoutes(
  app: FastifyInstance,
  deps: { staff: StaffDirectory; campaigns: CampaignService; dispatcher: Dispatcher },
) {
  const { staff, campaigns, dispatcher } = deps;
  await app.register(cookie);
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { guard, me } = createStaffGuard(staff);

  r.get("/console/api/campaigns", { onRequest: guard(AUTHORS) }, async () => {
    const list = await campaigns.list(50);
    return {
      campaigns: await Promise.all(
        list.map(async (c) => ({
          id: c.id,
          title: c.title,
          state: c.state,
          stateLabel: STATE_LABELS[c.state],
          sendAt: c.sendAt,
          author: c.author,
          approver: c.approver,
          status: await campaigns.status(c.id),
        })),
      ),
      topics: TOPICS.map((t) => ({ id: t.id, name: t.name })),
      channels: CAMPAIGN_CHANNELS,
      calendar: campaigns.suggestions(),
      defaultQuietHours: "21:00-08:00",
    };
  });

  r.post(
    "/console/api/campaigns/preview",
    { onRequest: guard(AUTHORS), schema: { body: Draft } },
    async (req) => campaigns.preview(input(req.body)),
  );

  r.post("/console/api/campaigns", { onRequest: guard(AUTHORS), schema: { body: Draft } }, async (req) => {
    const { campaign, reply, audience } = await campaigns.create(input(req.body), me(req).username);
    return { id: campaign.id, reply, audience };
  });

  r.get(
    "/console/api/campaigns/:id",
    { onRequest: guard(AUTHORS), schema: { params: Params } },
    async (req) => {
      const c = await campaigns.get(req.params.id);
      const user = me(req);
      return {
        campaign: { ...c, stateLabel: STATE_LABELS[c.state], quietHours: formatQuietHours(c.quietHours) },
        reply: campaigns.render(c),
        status: await campaigns.status(c.id),
        can: {
          approve: user.role === "admin" && c.author !== user.username && c.state === "draft",
          pause: user.role === "admin" && (c.state === "approved" || c.state === "sending"),
          resume: user.role === "admin" && c.state === "paused",
          cancel:
            (user.role === "admin" && !["done", "cancelled"].includes(c.state)) ||
            (c.author === user.username && c.state === "draft"),
        },
      };
    },
  );

  r.post(
    "/console/api/campaigns/:id/approve",
    { onRequest: guard(ADMINS), schema: { params: Params } },
    async (req) => {
      const c = await campaigns.approve(req.params.id, me(req).username);
      // Due now: the dispatcher need not wait for its next look.
      void dispatcher.poke();
      return { state: c.state };
    },
  );
  for (const action of ["pause", "resume"] as const)
    r.post(
      `/console/api/campaigns/:id/${action}`,
      { onRequest: guard(ADMINS), schema: { params: Params } },
      async (req) => {
        const c = await campaigns[action](req.params.id, me(req).username);
        void dispatcher.poke();
        return { state: c.state };
      },
    );
  r.post(
    "/console/api/campaigns/:id/cancel",
    { onRequest: guard(AUTHORS), schema: { params: Params } },
    async (req) => {
      const c = await campaigns.cancel(req.params.id, me(req).username);
      void dispatcher.poke();
      return { state: c.state };
    },
  );
}
