import { App, LogLevel } from "@slack/bolt";
import type { FastifyInstance } from "fastify";
import { STAFF_TOPIC } from "../../handoff/case-paging.js";
import { COMPLAINT_TOPIC } from "../../handoff/complaint-context.js";
import type { Assistant } from "../assistant.js";
import { type CaseBoard, createCaseBoard } from "./board.js";
import { boltLogger } from "./bolt-logger.js";
import { type ComplaintBoard, createComplaintBoard } from "./complaint-board.js";
import { createStaffResolver, type SlackContext } from "./context.js";
import { unknownDepartments } from "./department-channels.js";
import { registerComplaintListeners } from "./listeners/complaints.js";
import { registerListeners } from "./listeners/index.js";
import { dedupeEvents } from "./middleware/dedupe-events.js";
import { createPostQueue } from "./post-queue.js";
import { FastifyReceiver } from "./receiver.js";
import { postSpikeAlerts } from "./spike-alerts.js";
import { createSlackStore, type SlackStore } from "./store.js";

export { parseDepartmentChannels } from "./department-channels.js";
export { linkSlackUser, listSlackUsers, unlinkSlackUser } from "./store.js";

export interface SlackChannelOptions {
  /** Bot token (xoxb-…): SLACK_BOT_TOKEN. */
  token: string;
  /** The counselors' channel id (C… or G…) where case cards are posted: SLACK_COUNSELOR_CHANNEL. */
  counselorChannel: string;
  /** "http" (default): Slack calls POST {path} on this server. "socket": Socket Mode, no public URL needed. */
  mode?: "http" | "socket";
  /** HTTP mode: SLACK_SIGNING_SECRET (required). */
  signingSecret?: string;
  /** Socket Mode: the app-level token (xapp-…, scope connections:write): SLACK_APP_TOKEN (required). */
  appToken?: string;
  /** Web API base URL, e.g. a fake server in tests: SLACK_API_URL (default https://slack.com/api/). */
  apiUrl?: string;
  /** HTTP mode endpoint for events and interactivity (default /slack/events). */
  path?: string;
  /**
   * Department id (e.g. "松山区/hrss-labour-inspection") → the channel id where that department's complaints are
   * posted and worked: SLACK_DEPARTMENT_CHANNELS, parsed with parseDepartmentChannels. Empty or absent: no
   * complaint cards.
   */
  departmentChannels?: Record<string, string>;
  /** The supervisors' channel id: spike alerts (诉求突增), with the cases behind them. SLACK_SUPERVISOR_CHANNEL. */
  supervisorChannel?: string;
  /** The console's address, for the dashboard link in spike alerts. */
  consoleUrl?: string;
  /** Minimum spacing of chat.postMessage calls per channel (default 1000 ms: Slack's ~1 msg/s). */
  postIntervalMs?: number;
  now?: () => Date;
}

export interface SlackChannel {
  /** Fastify plugin for buildServer's `plugins` (a no-op in Socket Mode). */
  plugin: (app: FastifyInstance) => Promise<void>;
  /** Checks the token (auth.test), connects in Socket Mode, starts paging and mirroring, posts missed cards. */
  start(): Promise<void>;
  /** Stops listening to the assistant and waits for posts in progress. */
  stop(): Promise<void>;
  /** Resolves when every queued card update and thread post has been sent (tests, shutdown). */
  idle(): Promise<void>;
  store: SlackStore;
  board: CaseBoard;
  /** Complaint cards in department channels (inert when no department has a channel). */
  complaintBoard: ComplaintBoard;
  bolt: App;
}

/**
 * The staff side of Slack: case cards in the counselors' channel (a Pager), claim/transfer/resolve from the
 * card, the holder's thread replies delivered to the citizen, and the citizen's messages mirrored into the
 * thread.
 */
export function createSlackChannel(assistant: Assistant, options: SlackChannelOptions): SlackChannel {
  const mode = options.mode ?? "http";
  const now = options.now ?? (() => new Date());
  const logger = assistant.logger;
  const apiUrl = options.apiUrl
    ? options.apiUrl.endsWith("/")
      ? options.apiUrl
      : `${options.apiUrl}/`
    : undefined;
  const clientOptions = apiUrl ? { slackApiUrl: apiUrl } : {};
  const common = {
    token: options.token,
    logger: boltLogger(logger),
    logLevel: LogLevel.INFO,
    clientOptions,
    // No in-memory conversation store, and auth.test runs in start(), not in the constructor.
    convoStore: false as const,
    deferInitialization: true,
  };

  let receiver: FastifyReceiver | undefined;
  let bolt: App;
  if (mode === "socket") {
    if (!options.appToken)
      throw new Error("Slack Socket Mode needs an app-level token (SLACK_APP_TOKEN, xapp-…)");
    bolt = new App({ ...common, appToken: options.appToken, socketMode: true });
  } else {
    if (!options.signingSecret) throw new Error("Slack HTTP mode needs SLACK_SIGNING_SECRET");
    receiver = new FastifyReceiver({ signingSecret: options.signingSecret, logger });
    bolt = new App({ ...common, receiver });
  }

  const store = createSlackStore(assistant.db, now);
  const posts = createPostQueue(bolt.client, options.postIntervalMs ?? 1000);
  const departmentChannels = { ...(options.departmentChannels ?? {}) };
  const complaintsOn = Object.keys(departmentChannels).length > 0;
  const board = createCaseBoard({
    client: bolt.client,
    posts,
    store,
    handoff: assistant.handoff,
    staff: assistant.staff,
    conversations: assistant.conversations,
    logger,
    channel: options.counselorChannel,
    now,
  });
  const ctx: SlackContext = {
    handoff: assistant.handoff,
    staff: assistant.staff,
    conversations: assistant.conversations,
    store,
    board,
    logger,
    staffOf: createStaffResolver(store, assistant.staff),
  };
  const complaintBoard = createComplaintBoard({
    client: bolt.client,
    posts,
    store,
    complaints: assistant.complaints,
    logger,
    channels: departmentChannels,
  });
  bolt.use(dedupeEvents(store, logger));
  registerListeners(bolt, ctx);
  if (complaintsOn)
    registerComplaintListeners(bolt, { ...ctx, complaints: assistant.complaints, complaintBoard });

  let active = false;
  let pagerAdded = false;
  let unsubscribe: (() => void) | undefined;
  let unsubscribeComplaints: (() => void) | undefined;
  let unsubscribeSpikes: (() => void) | undefined;

  return {
    plugin: receiver ? receiver.plugin : async () => undefined,
    store,
    board,
    complaintBoard,
    bolt,

    async start() {
      if (active) return;
      await bolt.init();
      if (mode === "socket") await bolt.start();
      active = true;
      if (!pagerAdded) {
        pagerAdded = true;
        // HandoffService has no removePager: the pager stays registered and goes quiet when stopped.
        assistant.handoff.addPager({
          page: (notice, record) => {
            if (active) void board.page(notice, record);
          },
        });
      }
      unsubscribe = assistant.live.subscribe(STAFF_TOPIC, (e) => {
        if (!active) return;
        const data = e.data as { caseId?: unknown; conversationId?: unknown };
        if (e.type === "case" && typeof data.caseId === "string") void board.caseChanged(data.caseId);
        else if (e.type === "conversation" && typeof data.conversationId === "string")
          void board.conversationChanged(data.conversationId);
        // "page" events reach the board through the pager, which also carries the case record.
      });
      void board
        .backfill()
        .catch((err: unknown) => logger.error({ err }, "slack: backfill of open cases failed"));
      if (complaintsOn) {
        const unknown = unknownDepartments(departmentChannels);
        if (unknown.length > 0)
          logger.warn(
            { departments: unknown },
            "slack: department channels for departments not in the dispatch catalogue",
          );
        unsubscribeComplaints = assistant.live.subscribe(COMPLAINT_TOPIC, (e) => {
          if (!active) return;
          const data = e.data as { complaintId?: unknown; type?: unknown; text?: unknown };
          if (typeof data.complaintId !== "string") return;
          void complaintBoard.changed(data.complaintId);
          if (data.type === "citizen_added" && typeof data.text === "string")
            void complaintBoard.citizenAdded(data.complaintId, data.text);
        });
        void complaintBoard
          .backfill()
          .catch((err: unknown) => logger.error({ err }, "slack: backfill of complaint cards failed"));
      }
      if (options.supervisorChannel)
        unsubscribeSpikes = postSpikeAlerts(assistant.live, posts, {
          channel: options.supervisorChannel,
          consoleUrl: options.consoleUrl,
          logger,
          active: () => active,
        });
      logger.info(
        {
          mode,
          channel: options.counselorChannel,
          departmentChannels: Object.keys(departmentChannels).length,
        },
        "Slack on: case cards go to the counselors' channel",
      );
    },

    async stop() {
      if (!active) return;
      active = false;
      unsubscribe?.();
      unsubscribe = undefined;
      unsubscribeComplaints?.();
      unsubscribeComplaints = undefined;
      unsubscribeSpikes?.();
      unsubscribeSpikes = undefined;
      if (mode === "socket") await bolt.stop();
      else await receiver?.stop();
      await complaintBoard.idle();
      await board.idle();
    },

    idle: async () => {
      await complaintBoard.idle();
      await board.idle();
    },
  };
}
