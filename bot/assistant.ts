import { type CampaignService, createCampaigns } from "../campaigns/campaigns.js";
import { createDispatcher, type Dispatcher } from "../campaigns/dispatcher.js";
import { createSubscriptions, type Subscriptions } from "../campaigns/subscriptions.js";
import { createLiveHub, type LiveHub } from "../core/live-hub.js";
import { createLogger, type Logger } from "../core/logger.js";
import { projectPath } from "../core/paths.js";
import type { EscalationPolicy } from "../handoff/case-context.js";
import { createHandoff, type HandoffService } from "../handoff/cases.js";
import { type ComplaintCatalogue, loadComplaintCategories } from "../handoff/complaint-categories.js";
import {
  CATEGORY_SURE,
  type ComplaintClassifier,
  createComplaintClassifier,
} from "../handoff/complaint-classifier.js";
import { type ComplaintService, createComplaints } from "../handoff/complaints.js";
import { createDashboard, type DashboardService } from "../handoff/dashboard.js";
import { loadHolidayCalendar } from "../handoff/deadlines.js";
import { type DispatchCatalogue, loadDispatchCatalogue } from "../handoff/dispatch.js";
import { createHotIssueSnapshots, type HotIssueSnapshots } from "../handoff/hot-issue-snapshots.js";
import type { Outbound } from "../handoff/outbound.js";
import { createPresence, type Presence } from "../handoff/presence.js";
import { createSpikeWatch, type SpikeWatch } from "../handoff/spike-watch.js";
import { createStaffDirectory, type StaffDirectory } from "../handoff/staff.js";
import { createCrisisDetector } from "../intents/crisis-detector.js";
import { createEntityExtractor } from "../intents/entities.js";
import { createIntentClassifier } from "../intents/intent-classifier.js";
import { createNormaliser, type Normaliser } from "../intents/normalise.js";
import { DEFAULT_PLACES, loadPlaces, type PlaceGazetteer } from "../intents/places.js";
import { createSegmenter, type Segmenter } from "../intents/segmenter.js";
import { loadTrainingSet, withDomainPhrasings, withKnowledgeExamples } from "../intents/training-set.js";
import { createNlu, type Nlu } from "../intents/understand.js";
import { createArticleSearch, loadStatuteWords } from "../knowledge/article-search.js";
import { type Domains, loadDomains } from "../knowledge/domains.js";
import { loadKnowledge } from "../knowledge/load.js";
import { createRetriever, loadSynonyms } from "../knowledge/retrieval.js";
import type { KnowledgeEntry } from "../knowledge/schema.js";
import { loadStatutes, type StatuteCorpus } from "../knowledge/statutes.js";
import { type ConversationStore, createConversationStore } from "../store/conversations.js";
import { type Db, openDatabase } from "../store/db.js";
import { shareLiveHub } from "../store/shared-live-hub.js";
import { campaignLibrary } from "./campaign-library.js";
import { campaignMore } from "./campaign-more.js";
import { createEngine, type Engine } from "./engine.js";
import { createOutbound } from "./outbound.js";

export interface NluBundle {
  nlu: Nlu;
  knowledge: KnowledgeEntry[];
  domains: Domains;
  /** The learned 诉求 category model, over the same segmenter and normaliser as the rest of understanding. */
  complaintClassifier(catalogue: ComplaintCatalogue): ComplaintClassifier;
  /** The parts understanding is built from, for readers of letters outside a conversation (the import). */
  normalise: Normaliser;
  segmenter: Segmenter;
  places: PlaceGazetteer;
  /** The statute texts, read on first use and shared (referral cards, campaign attachments). */
  statutes: () => StatuteCorpus;
}

/** Everything understanding needs, from the repo's data files; no database, so `classify` can use it alone. */
export const DEFAULT_MODEL_CACHE = projectPath("data", "cache");

export function buildNlu(
  options: { knowledgeDir?: string; entries?: KnowledgeEntry[]; modelCacheDir?: string } = {},
): NluBundle {
  const segmenter = createSegmenter();
  const knowledge = options.entries ?? loadKnowledge(options.knowledgeDir);
  const normalise = createNormaliser();
  const cacheDir = options.modelCacheDir ?? DEFAULT_MODEL_CACHE;
  const domains = loadDomains();
  const places = loadPlaces(DEFAULT_PLACES, segmenter.vocabulary);
  let corpus: StatuteCorpus | undefined;
  const statutes = () => {
    corpus ??= loadStatutes();
    return corpus;
  };
  const nlu = createNlu({
    normalise,
    segmenter,
    detector: createCrisisDetector(),
    classifier: createIntentClassifier(
      segmenter,
      withDomainPhrasings(withKnowledgeExamples(loadTrainingSet(), knowledge)),
      {
        cacheDir,
        normalise: (raw) => normalise(raw).text,
      },
    ),
    retriever: createRetriever(segmenter, knowledge, loadSynonyms(), cacheDir),
    extractEntities: createEntityExtractor(places),
    domains,
    articles: createArticleSearch(statutes, loadStatuteWords()),
  });
  let complaintModel: ComplaintClassifier | undefined;
  return {
    nlu,
    knowledge,
    domains,
    normalise,
    segmenter,
    places,
    statutes,
    complaintClassifier: (catalogue) => {
      complaintModel ??= createComplaintClassifier(segmenter, catalogue, {
        cacheDir,
        normalise: (raw) => normalise(raw).text,
      });
      return complaintModel;
    },
  };
}

export interface AssistantConfig {
  dbPath: string;
  knowledgeDir?: string;
  logger?: Logger;
  now?: () => Date;
  nlu?: NluBundle;
  escalation?: Partial<EscalationPolicy>;
  /** How long after a web client's crisis case opened its further crises join it (default 10 minutes). */
  caseJoinWindowMs?: number;
  /** Campaign dispatcher timing (tests and the bench run it faster). */
  campaigns?: { tickMs?: number; batch?: number; storedRate?: number };
}

export interface Assistant {
  engine: Engine;
  nlu: Nlu;
  knowledge: KnowledgeEntry[];
  db: Db;
  conversations: ConversationStore;
  live: LiveHub;
  logger: Logger;
  handoff: HandoffService;
  complaints: ComplaintService;
  dispatch: DispatchCatalogue;
  staff: StaffDirectory;
  outbound: Outbound;
  /** Whose console is open: a counselor is promised to a person at risk only when one is reachable. */
  presence: Presence;
  /** Spikes of the complaint stream (早发现), found by the sweeper and alerted once each. */
  spikes: SpikeWatch;
  /** Hot issues of the last 30 days, computed by the sweeper for the dashboard. */
  hotIssues: HotIssueSnapshots;
  /** The supervisors' dashboard (数据看板). */
  dashboard: DashboardService;
  /** Who wants which 普法 campaigns, with the consent each agreed to. */
  subscriptions: Subscriptions;
  /** 普法 campaigns: drafting, approval, figures (console and CLI). */
  campaigns: CampaignService;
  /** Sends approved campaigns when their time comes; started by the server only (`start()`). */
  dispatcher: Dispatcher;
  close(): Promise<void>;
}

export async function createAssistant(config: AssistantConfig): Promise<Assistant> {
  const logger = config.logger ?? createLogger();
  const nluBundle = config.nlu ?? buildNlu({ knowledgeDir: config.knowledgeDir });
  const { nlu, knowledge, domains } = nluBundle;
  const db = await openDatabase(config.dbPath);
  const conversations = createConversationStore(db);
  // On PostgreSQL the hub's events cross instances (LISTEN/NOTIFY); on SQLite one process has them all.
  const shared = db.broadcast
    ? await shareLiveHub(createLiveHub(), db.broadcast, (err) =>
        logger.warn({ err }, "live event not shared"),
      )
    : undefined;
  const live = shared ?? createLiveHub();
  const outbound = createOutbound(live);
  const presence = createPresence();
  const handoff = createHandoff({
    db,
    conversations,
    live,
    outbound,
    presence,
    logger,
    now: config.now,
    escalation: config.escalation,
    ...(config.caseJoinWindowMs !== undefined ? { joinWindowMs: config.caseJoinWindowMs } : {}),
  });
  const staff = createStaffDirectory(db, config.now);
  const categories = loadComplaintCategories();
  const dispatch = loadDispatchCatalogue();
  const entriesById = new Map(knowledge.map((e) => [e.id, e]));
  const complaintClassifier = nluBundle.complaintClassifier(categories);
  const subscriptions = createSubscriptions(db);
  const library = campaignLibrary(() => knowledge, nluBundle.statutes);
  const campaigns = createCampaigns({ db, staff, places: nluBundle.places, library, now: config.now });
  const dispatcher = createDispatcher({
    db,
    conversations,
    outbound,
    subscriptions,
    library,
    logger: logger.child({ component: "campaigns" }),
    now: config.now,
    ...config.campaigns,
  });
  const complaints = createComplaints({
    db,
    conversations,
    live,
    outbound,
    logger,
    categories,
    dispatch,
    calendar: loadHolidayCalendar(),
    now: config.now,
  });
  const engine = createEngine({
    nlu,
    conversations,
    db,
    logger,
    handoff: handoff.port,
    complaints: {
      intake: {
        categories: categories.categories.map((c) => ({ id: c.id, label: c.label })),
        infer: (text, intent) =>
          complaintClassifier.infer(text, intent).map((x) => ({ id: x.category.id, score: x.score })),
        sureScore: CATEGORY_SURE,
      },
      file: complaints.file,
      recordFollowUp: complaints.recordFollowUp,
      status: complaints.status,
      openThread: complaints.openThread,
      addFromCitizen: complaints.addFromCitizen,
      afterCommit: complaints.afterCommit,
    },
    campaignMore: campaignMore(campaigns, library),
    subscriptions: { store: subscriptions, leagues: nluBundle.places.data.leagues.map((l) => l.name) },
    knowledge: {
      domain: (id) => domains.get(id),
      termsIn: (text) => domains.termsIn(text),
      officeName: (kind, place) => dispatch.officeName(kind, place),
      officeKind: (kind) => {
        const k = dispatch.data.kinds.find((x) => x.id === kind);
        return k
          ? { label: k.label.replace(/（.*）$/u, ""), ...(k.hotline ? { hotline: k.hotline } : {}) }
          : undefined;
      },
      entry: (id) => entriesById.get(id),
    },
    now: config.now,
  });
  const spikes = createSpikeWatch({ db, live, now: config.now });
  const hotIssues = createHotIssueSnapshots({
    db,
    now: config.now,
    reader: () => ({
      normalise: (raw) => nluBundle.normalise(raw).text,
      tag: (text) => nluBundle.segmenter.tag(text),
      parts: (word) => nluBundle.segmenter.parts(word),
    }),
  });
  return {
    engine,
    nlu,
    knowledge,
    db,
    conversations,
    live,
    logger,
    handoff,
    complaints,
    dispatch,
    staff,
    outbound,
    presence,
    spikes,
    hotIssues,
    dashboard: createDashboard({
      db,
      spikes,
      hotIssues,
      departmentName: (id) => dispatch.departmentById(id)?.name,
      now: config.now,
    }),
    subscriptions,
    campaigns,
    dispatcher,
    close: async () => {
      await dispatcher.stop();
      await shared?.close();
      await db.close();
    },
  };
}
