/**
 * Every sentence a citizen reads in the bot's own turns comes from here, so that wording is reviewed in one place;
 * what cases and complaints send (and the complaint intake's wording) is in handoff/messages.ts.
 * Crisis texts follow safe-messaging practice: warm, short, hotlines first, a question about safety now,
 * no method details, no promise of confidentiality.
 */

import type { Button, Call } from "../handoff/reply.js";
import type { HarmSetting } from "../intents/harm-setting.js";
import type { KnowledgeEntry } from "../knowledge/schema.js";
import type { Article } from "../knowledge/statutes.js";
import { subscriptionMessages } from "./subscription-messages.js";

export const TOPIC_LABELS: Record<string, string> = {
  land_expropriation: "征地补偿",
  house_expropriation: "房屋征收",
  labour_dispute: "劳动争议与仲裁",
  wage_arrears: "拖欠工资",
  medical_dispute: "医疗纠纷",
  petition: "信访",
  admin_review: "行政复议与诉讼",
  legal_aid: "法律援助",
  telecom_fraud: "电信网络诈骗",
  personal_info: "个人信息保护",
  organised_crime_report: "扫黑除恶举报",
  work_safety: "安全生产",
  food_drug_safety: "食品药品安全",
  village_affairs: "村（嘎查）务",
  mediation: "人民调解",
  grassland: "草原承包与补奖",
  mental_health_services: "心理健康服务",
  social_organisations: "社会组织",
};

export const COMMANDS = {
  start: "开始",
  help: "帮助",
  human: "转人工",
  status: "查询进度",
  subscribe: "订阅",
  unsubscribe: "退订",
  policy: "咨询政策法规",
  support: "心理支持",
  complain: "我要投诉",
  acceptCounselor: "联系心理咨询师",
  declineCounselor: "暂时不用",
  registerComplaint: "登记诉求",
  declineComplaint: "不用登记",
  addToCase: "补充给承办部门",
  newQuestion: "这是新问题",
} as const;

export const MAIN_BUTTONS: Button[] = [
  { label: COMMANDS.policy, payload: COMMANDS.policy },
  { label: COMMANDS.support, payload: COMMANDS.support },
  { label: COMMANDS.complain, payload: COMMANDS.complain },
  { label: COMMANDS.status, payload: COMMANDS.status },
  { label: COMMANDS.human, payload: COMMANDS.human },
];

const HOTLINE_FOOTER =
  "以上为一般性说明，不构成正式法律意见，具体以主管部门的答复为准。需要免费法律咨询可拨打 12348，或向当地公共法律服务中心申请法律援助。";

const CALLS = {
  ambulance: { label: "120 急救", number: "120" },
  police: { label: "110 报警", number: "110" },
  psych: { label: "12356 心理援助", number: "12356" },
} satisfies Record<string, Call>;

export interface CrisisReplyFor {
  kind: "self" | "others" | "harmed";
  subject: "self" | "other";
  imminent: boolean;
  counselor: boolean;
  /** Harm done to the writer: who did it, so the reply names the help that fits. */
  harmSetting?: HarmSetting;
}

type CrisisVoice = "self" | "other" | "others" | "harmed";

const CRISIS_BODY: Record<CrisisVoice, (imminent: boolean, setting?: HarmSetting) => string> = {
  self: (imminent) =>
    imminent
      ? "我很担心你现在的安全。如果你已经受伤、服了药，或者正在危险的地方，请马上拨打 120 急救或 110 报警，或者请身边的人立刻帮你打。\n也可以拨打 12356 全国心理援助热线。\n你现在安全吗？"
      : "谢谢你愿意告诉我，听起来你真的很痛苦，你不是一个人。\n请拨打 12356 全国心理援助热线，那里有专业的人愿意听你说；如果你有马上伤害自己的危险，请立刻拨打 110 或 120。\n你现在安全吗？",
  other: (imminent) =>
    imminent
      ? "听起来 TA 现在很危险。请马上拨打 110 或 120，告诉他们具体位置；如果可以，请你或附近的人尽快到 TA 身边，陪着 TA。\n也可以拨打 12356 全国心理援助热线获得专业建议。\n你现在和 TA 在一起吗？"
      : "谢谢你告诉我，你这么担心 TA，说明你很在乎 TA。如果 TA 有马上伤害自己的危险，请立刻拨打 110 或 120；平时可以陪 TA 拨打 12356 全国心理援助热线。\nTA 现在安全吗？",
  others: (imminent) =>
    imminent
      ? "我听到你现在非常愤怒，也很痛苦。请先停下来，放下手里的东西，离开那个人和那个地方，给自己几分钟。\n如果有人已经受伤或马上有危险，请立即拨打 110 或 120。\n受了委屈、被欠了钱，都可以通过正当途径讨回来（法律援助 12348），我可以帮你。12356 全国心理援助热线也可以听你说。"
      : "我听到你心里有很大的愤怒和委屈，这些感受是真实的。伤害别人会让事情更难收场，也会伤到你自己和家人。\n先深呼吸，离开让你生气的人和地方。如果你觉得自己快控制不住，或者有人有危险，请立即拨打 110。\n被欠薪、受欺负的事，可以通过投诉、仲裁、法律援助（12348）解决，我可以帮你。也可以拨打 12356 全国心理援助热线。",
  harmed: (_imminent, setting) =>
    `你现在的安全最重要。如果对方就在身边、你有危险，请立刻拨打 110 报警；受伤了请拨打 120。能的话先躲到安全的地方（邻居家、人多的地方），锁好门。\n${HARM_LATER[setting ?? "family"]}\n你现在安全吗？`,
};

/** After the danger: where to turn, by who did the harm (a family member is the reading when no one is named). */
const HARM_LATER: Record<HarmSetting, string> = {
  family: "之后可以拨打 12338 妇女维权热线，也可以向法院申请人身安全保护令。",
  school: "之后请告诉信任的老师和家长，也可以拨打 12355 青少年服务台。",
  work: "之后可以向当地劳动保障监察投诉（12333），需要法律帮助可以拨打 12348。",
  outside: "之后可以到当地派出所报案，需要法律帮助可以拨打 12348。",
};

/** The help that fits the harm told (not at once grave): the ways to stop it and hold someone to account. */
const HARM_HELP: Record<HarmSetting, string> = {
  family:
    "遭受家庭暴力或面临家暴危险，可以拨打 12338 妇女维权热线，也可以向你或对方居住地、家暴发生地的基层人民法院申请人身安全保护令（书面或口头申请都可以，《反家庭暴力法》第二十三至二十五条）；孩子或无法自己申请的人，近亲属、妇联、居委会或村委会可以代为申请。",
  school:
    "校园欺凌不是小事，不用一个人扛：可以告诉信任的老师和家长，向学校和当地教育局反映，伤得重的可以报警；也可以拨打 12355 青少年服务台求助。",
  work: "老板或上级打人、威胁、扣押身份证、不让人离开，都可以报警；拖欠工资、扣押证件也可以向当地劳动保障监察投诉（12333）。遭到性骚扰，可以向单位、工会或妇联（12338）反映，也可以报警。需要法律帮助可以拨打 12348 公共法律服务热线。",
  outside:
    "被人殴打、威胁、跟踪骚扰、造谣诽谤、散布隐私照片或暴力催收，都可以到当地派出所报案；想追究对方责任或要求赔偿，可以拨打 12348 公共法律服务热线咨询，符合条件的可以申请法律援助。",
};

const CRISIS_COMING: Record<CrisisVoice, string> = {
  self: "我正在为你联系心理咨询师，请留在这里和我说话。",
  other: "我正在为你联系心理咨询师，告诉你可以怎样帮助 TA。",
  others: "我正在请工作人员来和你谈，请留在这里。",
  harmed: "我正在请工作人员来帮你，请留在这里。",
};

const CRISIS_NOBODY: Record<CrisisVoice, string> = {
  self: "现在暂时没有心理咨询师在线，我们已经记下，值班的咨询师一上线就会在这里联系你。请不要一个人等：现在就拨打 12356，那里有人接听。",
  other:
    "现在暂时没有心理咨询师在线，我们已经记下，值班的咨询师一上线就会在这里联系你。请不要等：先拨打 12356 问问可以怎样帮 TA，有危险马上拨打 110 或 120。",
  others:
    "现在暂时没有工作人员在线，我们已经记下，工作人员一上线就会联系你。在这之前，请先拨打 12356 找人说说。",
  harmed:
    "现在暂时没有工作人员在线，我们已经记下，工作人员一上线就会在这里联系你。在这之前请先保证安全，有危险马上拨打 110。",
};

/** Where to go for an entry, one line each: the citizen's own 旗县区 office when the place is known, then phones. */
export function contactLines(
  entry: KnowledgeEntry,
  office: (kind: string) => string | undefined = () => undefined,
): string[] {
  return entry.contact.map((c) => {
    const local = c.office ? office(c.office) : undefined;
    const name = local ? `${local}（${c.name}）` : c.name;
    return c.phone && !name.includes(c.phone) ? `${name}（${c.phone}）` : name;
  });
}

/** Where to go for a domain's referral card: the kind of office (the citizen's own when known), its hotline. */
export function referralContacts(
  where: string,
  office: string | undefined,
  hotline: { name: string; phone: string } | undefined,
): string[] {
  return [
    `${where}${office ? `（你所在地：${office}）` : ""}`,
    ...(hotline ? [`${hotline.name} ${hotline.phone}`] : []),
  ];
}

export const messages = {
  welcome:
    "你好，我是「守望」，内蒙古群众服务助手。\n我可以：解答政策法规问题（附法律依据）、在你心里难受时陪你并联系心理咨询师、帮你反映诉求。\n直接用中文打字问我就行，也可以点下面的按钮。",
  help: "你可以这样用我：\n· 直接问问题，比如「征地补偿标准怎么定」「老板拖欠工资怎么办」\n· 心里难受、压力大，可以直接说，我会联系心理咨询师\n· 「转人工」找工作人员，「查询进度」查看你反映的事项\n· 「订阅」按主题接收普法推送（比如「订阅 劳动」），「退订」随时取消\n紧急情况请直接拨打 110（报警）、120（急救）。",
  policyPrompt: "请直接写下你想咨询的问题，比如「申请劳动仲裁需要什么材料」「草原补奖发放找谁」。",
  greeting: "你好！有什么可以帮你的？可以直接说你遇到的事情。",
  thanks: "不客气，有需要随时找我。",
  acknowledged: "好的。还有别的问题，随时问我。",
  placeNoted: (place: string) =>
    `好的，记下了：你在${place}。有什么事需要帮忙？说说遇到的情况，我会告诉你该找${place}的哪个部门。`,
  goodbye: "好的，祝你一切顺利。有需要随时回来找我。",
  outOfScope:
    "这个问题超出了我能可靠回答的范围，我不想随便给你一个不准确的答案。\n我能帮你的是：政策法规咨询、心理支持、反映诉求。你也可以点「转人工」，或拨打 12345 政务服务便民热线。",
  unsure: (topics: readonly KnowledgeEntry[]) =>
    topics.length > 0
      ? `这个问题我不太确定，不想给你不准确的答案。\n你想问的是不是下面这些？也可以转人工，或拨打 12345 政务服务便民热线、12348 法律服务热线。\n${topics
          .map((e, i) => `${i + 1}. ${e.questions[0] ?? ""}`)
          .join("\n")}`
      : "这个问题我不太确定，不想给你不准确的答案。你可以换个说法再问，点「转人工」，或拨打 12345 政务服务便民热线、12348 法律服务热线。",
  /** A question of only how and where (在哪申请, 要带什么材料) with nothing answered before it. */
  whichMatter:
    "你想办的是哪件事？把事情说具体一点，我好告诉你去哪办、要带什么，比如「低保怎么申请」「被拖欠工资去哪投诉」「草场被占了怎么办」。",
  /**
   * How to reach an office: the citizen's own when the place is known, its hotline, and 12345 for the numbers,
   * addresses and hours we do not hold (they change, and a wrong number sends someone to a closed door).
   */
  officeContact: (label: string, own: string | undefined, hotline: string | undefined) =>
    [
      own ? `${label}的事，找${own}。` : `${label}的事，找你所在旗县（市、区）的${label}部门。`,
      ...(hotline ? [`咨询电话：${hotline}。`] : []),
      "各部门的办公电话、地址和办公时间，可以拨打 12345 政务服务便民热线查询。",
      ...(own ? [] : ["告诉我你在哪个旗县区（比如「我在达拉特旗」），我可以说出具体是哪个部门。"]),
    ].join("\n"),
  officeCalls: (hotline: string | undefined): Call[] => [
    ...(hotline ? [{ label: `拨打 ${hotline}`, number: hotline }] : []),
    { label: "拨打 12345", number: "12345" },
  ],
  clarify: (a: string, b: string) => `我想确认一下：你想问的是「${a}」还是「${b}」方面的问题？`,
  /**
   * A curated answer: its title apart, the body, then the citation block and where to go set apart. `office` names
   * the citizen's own 旗县区 office for a contact of that kind, when the place is known; `limitation` is a warning
   * about a time limit when the question gave a date or a duration.
   */
  answer: (
    entry: KnowledgeEntry,
    office: (kind: string) => string | undefined = () => undefined,
    limitation?: string,
  ) => {
    // Articles of one law read as one citation: 《劳动争议调解仲裁法》第二十一条、第二十八条.
    const byLaw = new Map<string, string[]>();
    for (const c of entry.citations)
      byLaw.set(c.law, [...(byLaw.get(c.law) ?? []), ...(c.article ? [c.article] : [])]);
    const cites = [...byLaw].map(([law, articles]) => `《${law}》${articles.join("、")}`).join("\n");
    const contacts = contactLines(entry, office);
    const title = entry.title ?? entry.questions[0] ?? "";
    const warn = limitation ? `\n\n⚠ 注意时效：${limitation}。` : "";
    return `【${title}】\n${entry.answer.trim()}${warn}\n\n【法律依据】\n${cites}\n\n【去哪里办】\n${contacts.join("\n")}\n\n${HOTLINE_FOOTER}`;
  },
  /** A short follow-up asking where to go or whom to ask, about the answer just given. */
  followUpWhere: (topic: string, contacts: readonly string[]) =>
    `关于「${topic}」，可以找：\n${contacts.join("\n")}\n去之前最好先打电话问清要带的材料和办理时间；免费法律咨询可拨打 12348。`,
  /** A short follow-up asking what to bring, how long or how, about the answer just given. */
  followUpHow: (topic: string, contacts: readonly string[]) =>
    `关于「${topic}」：上面的回答写了主要的办理步骤和要准备的材料。各地的具体要求和时限可能不同，最稳妥的是先问清楚：\n${contacts.join("\n")}`,
  /** A follow-up whose question one sentence of the answer just given speaks to: that sentence, quoted. */
  followUpQuoted: (topic: string, sentence: string, contacts: readonly string[]) =>
    `关于「${topic}」，上面的回答里说：\n「${sentence}」\n各地的具体做法可能不同，最稳妥的是先问清楚：\n${contacts.join("\n")}`,
  /** The button under a follow-up reply that shows the answer again. */
  showAnswerAgain: "再看一遍回答",
  /**
   * A question in a domain we know that no curated entry fits: honest about it, where to go, and the articles
   * that look most relevant, labelled as related law rather than an answer.
   */
  referral: (r: {
    label: string;
    where: string;
    office?: string;
    hotline?: { name: string; phone: string };
    articles: readonly Article[];
    limitation?: string;
  }) => {
    const lines = [
      `【${r.label}方面的问题】`,
      "这个具体问题我没有把握给你一个准确的答复，不想让你照着不准确的说法去办。建议这样办：",
      ...referralContacts(r.where, r.office, r.hotline).map((line) => `· ${line}`),
      "· 免费法律咨询：12348 公共法律服务热线，也可以申请法律援助",
    ];
    if (r.limitation) lines.push("", `⚠ 注意时效：${r.limitation}。`);
    if (r.articles.length > 0) {
      lines.push("", "【相关法律规定】（供参考，不是针对你情况的答复）");
      for (const a of r.articles) {
        const text = a.paragraphs.join("");
        lines.push(`《${a.law}》${a.label}：${text.length > 120 ? `${text.slice(0, 120)}…` : text}`);
      }
    }
    return lines.join("\n");
  },
  /**
   * The one reply a person at risk gets in the turn that found the risk. `counselor` says whether a counselor is
   * reachable now (on shift with the console open, or on Slack): the reply never promises one who is not there.
   */
  crisisReply: (r: CrisisReplyFor): string => {
    const body = CRISIS_BODY[r.kind === "self" && r.subject === "other" ? "other" : r.kind](
      r.imminent,
      r.harmSetting,
    );
    return `${body}\n${(r.counselor ? CRISIS_COMING : CRISIS_NOBODY)[r.kind === "self" && r.subject === "other" ? "other" : r.kind]}`;
  },
  /** Call buttons inside a crisis reply: emergency numbers first when the danger is now. */
  crisisCalls: (imminent: boolean): Call[] =>
    imminent ? [CALLS.ambulance, CALLS.police, CALLS.psych] : [CALLS.psych, CALLS.police, CALLS.ambulance],
  tooManyConversations:
    "这台设备短时间内开启的新对话太多，请稍后再试，或回到原来的对话页面继续。紧急情况请拨打 110 或 120；心理援助热线 12356。",
  /** Harm told that is not at once grave: safety first, then the help that fits who did it. */
  harmed: (setting?: HarmSetting): string =>
    `谢谢你告诉我，这不是你的错，你不该被这样对待。\n如果对方正在伤害你或威胁你的安全，请立刻拨打 110 报警；受伤了请拨打 120，并保留就诊记录、照片、聊天记录、截图等证据。\n${HARM_HELP[setting ?? "family"]}\n如果愿意，我可以为你联系一位心理咨询师。`,
  hostility:
    "听起来对方让你非常愤怒、非常委屈，有这样的情绪是可以理解的。\n气头上的念头不等于要去做，先给自己一点时间，离开让你生气的人和地方。如果你担心自己控制不住，或者有人有危险，请立即拨打 110。\n受了欺负、被欠了钱，可以通过投诉、仲裁、法律援助（12348）讨回公道，我可以帮你。想找人说说，可以拨打 12356 全国心理援助热线，也可以让我为你联系一位心理咨询师。",
  /** A habit of shouting at or belittling one's family, told by the writer: the temper is the matter. */
  temper:
    "愿意说出来，说明你也在意这件事。气头上的话最伤人，挨骂的人难受，事后自己往往也不好受。\n控制不住脾气、总对家人发火，可以找心理咨询师一起想想办法，我可以为你联系一位；也可以拨打 12356 全国心理援助热线。\n如果家里有人受伤或有危险，请立即拨打 110。",
  /** Before the answer to a message said in anger (废物客服, 你们这帮吃干饭的): one calm sentence, then the matter. */
  angerNoted: "听得出你心里有火，我们先把事情说清楚。",
  /** A message of anger and nothing else to act on (滚, sb客服). */
  anger:
    "听得出你现在很生气，可能是事情拖得太久，或者我没帮上忙。\n你可以直接告诉我要办的事，比如「低保怎么申请」「查询进度」，我尽量说清楚；也可以点「转人工」找工作人员。\n心里憋着火、想找人说说，可以拨打 12356 全国心理援助热线。",
  grief:
    "失去身边的人，心里会很痛。难过、自责、想不通，或者一时什么感觉都没有，这些都是正常的，不用急着让自己好起来。\n想找人说说，可以拨打 12356 全国心理援助热线，也可以让我为你联系一位心理咨询师陪你聊聊。\n如果你也有了不想活下去的念头，请一定告诉我，或立即拨打 12356；有危险时拨打 110 或 120。",
  distress:
    "听起来你最近挺辛苦的，愿意说出来已经很不容易。\n如果想找人聊聊，可以拨打 12356 全国心理援助热线，也可以让我为你联系一位心理咨询师。",
  /** For someone talking another person out of it: words for the helper, and what to do if that person is in danger. */
  worried:
    "你在劝一个正处在困难里的人，这份在乎很重要。\n陪着对方、认真听，不急着讲道理；如果对方说过想轻生或正在做危险的事，请直接问清楚，并立即拨打 110 或 120，不要让对方独处。\n也可以拨打 12356 全国心理援助热线，问问怎样陪伴对方；需要的话，我可以为你联系一位心理咨询师。",
  distressButtons: [
    { label: COMMANDS.acceptCounselor, payload: COMMANDS.acceptCounselor },
    { label: COMMANDS.declineCounselor, payload: COMMANDS.declineCounselor },
  ] as Button[],
  supportLine:
    "这件事让你很难受吧。如果心里压着很多，也可以拨打 12356 全国心理援助热线，或回复「心理支持」。",
  harmedSupportLine:
    "你不该被这样对待。如果有人正在伤害你或威胁你的安全，请立刻拨打 110 报警，受伤了请拨打 120 并保留就诊记录；心里难受，可以拨打 12356 全国心理援助热线，或回复「心理支持」。",
  domesticLine: "\n遭受家庭暴力可以拨打 12338 妇女维权热线，也可以向法院申请人身安全保护令。",
  distressDeclined: "好的。如果之后想聊，随时告诉我，或者拨打 12356 全国心理援助热线。",
  supportPrompt:
    "我在这里听你说。可以说说最近发生了什么、你的感受。如果想直接和心理咨询师聊，请点「联系心理咨询师」；也可以拨打 12356 全国心理援助热线。",
  handoffPending:
    "好的，已经为你登记转人工，工作人员接入后会在这里回复你。\n如遇紧急情况，请直接拨打 110 或 120；心理方面可拨打 12356 全国心理援助热线。",
  noOneOnDuty:
    "已经为你登记转人工。现在没有工作人员值班，上班后会第一时间在这里回复你。\n紧急情况请直接拨打 110 或 120；心理方面可拨打 12356 全国心理援助热线；政务问题可拨打 12345。",
  handoffAlready: "已经在为你联系工作人员，请稍等。紧急情况请直接拨打 110 或 120。",
  statusNone: "你目前没有正在办理的事项。需要反映问题，请点「我要投诉」或直接说明情况。",
  ...subscriptionMessages,
  // The Mongolian sentence says "For now I can only read Chinese characters" and needs review by a native reader.
  unreadable:
    "ᠪᠢ ᠣᠳᠣ ᠪᠠᠷ ᠵᠥᠪᠬᠡᠨ ᠬᠢᠲᠠᠳ ᠦᠰᠦᠭ ᠤᠩᠰᠢᠵᠤ ᠴᠢᠳᠠᠨ᠎ᠠ᠃\n抱歉，我目前只能读懂中文（简体或繁体），还看不懂蒙古文和其他文字。你可以用中文再说一遍，或点「转人工」由工作人员帮你。紧急情况请拨打 110 或 120。",
  empty: "好像没有收到文字内容，请直接输入你的问题。",
  tooLong: (max: number) => `消息太长了（超过 ${max} 字），请分几段发送，或简要说明主要问题。`,
  error: "抱歉，系统刚才出了点问题，你的消息已经保存。请稍后再试；紧急情况请直接拨打 110 或 120。",
};

/**
 * Telegram channel (bot/telegram/). Citizen-facing texts for what only Telegram can send: media, edits, group
 * chats, stale buttons; plus the bracketed labels staff read in a transcript where the citizen sent no text.
 */
export const telegramMessages = {
  /** What a photo, voice note, sticker… is called in the polite reply and in the transcript. */
  mediaLabels: {
    photo: "图片",
    voice: "语音",
    audio: "音频",
    video: "视频",
    video_note: "视频消息",
    animation: "动图",
    sticker: "贴纸",
    document: "文件",
    contact: "联系人名片",
    poll: "投票",
    dice: "表情",
    other: "消息",
  } as Record<string, string>,
  mediaNotSupported: (label: string) =>
    `收到你发来的${label}。我目前只能读懂文字，${label}的内容我和工作人员在这里都看不到。请用文字写下你想咨询的问题或遇到的情况，我会尽力帮你。\n紧急情况请直接拨打 110 或 120；心理方面可拨打 12356 全国心理援助热线。`,
  /** Sent after the engine's replies when a photo or file came with a caption: the caption itself was read. */
  captionRead: (label: string) => `（${label}的内容我看不到，上面是针对你附带的文字的回复。）`,
  locationReceived:
    "已记录你发送的位置。我只能读懂文字，请用文字说明你需要什么帮助。\n如果你现在有危险，请马上拨打 110 或 120，并告诉接线员你在哪里。",
  edited: "看到你修改了之前的消息。我只回复新发送的消息；如果想让我按修改后的内容回答，请把它重新发送一遍。",
  privateOnly: "为了保护你的隐私，请直接私聊我（点我的头像，再点「发消息」），不要在群里说个人情况。",
  buttonExpired: "这个按钮已失效，请直接输入你的问题。",
  inputPlaceholder: "直接输入你的问题",
  /** Shown before a counselor's message: on Telegram every message comes from the bot's account. */
  staffPrefix: "【工作人员】",
  commands: {
    start: "开始 / 主菜单",
    help: "使用帮助",
    human: "转人工",
    status: "查询进度",
    subscribe: "按主题订阅普法推送",
    unsubscribe: "退订",
  },
  /** Staff-facing transcript lines for what the citizen sent without text. */
  transcript: {
    media: (label: string) => `[${label}]`,
    location: (lat: number, lon: number) => `[位置] 纬度 ${lat}，经度 ${lon}`,
    venue: (title: string, address: string, lat: number, lon: number) =>
      `[位置] ${title}（${address}）纬度 ${lat}，经度 ${lon}`,
    contact: (name: string, phone: string) => `[联系人名片] ${name} ${phone}`,
    edited: (text: string) => `[修改了消息] ${text}`,
    tooLong: (text: string) => `[超长消息] ${text}`,
  },
};

/**
 * WeChat Official Account (bot/wechat/). Citizen-facing texts for what only WeChat sends (pictures, locations,
 * links, speech WeChat could not transcribe), how buttons read where there are none, what staff are told when
 * WeChat's 48-hour rule stops a reply, and the bracketed transcript lines for what came without text.
 */
export const wechatMessages = {
  mediaLabels: {
    image: "图片",
    voice: "语音",
    video: "视频",
    shortvideo: "小视频",
    file: "文件",
    link: "链接",
    location: "位置",
    other: "消息",
  } as Record<string, string>,
  mediaNotSupported: (label: string) =>
    `收到你发来的${label}。我目前只能读懂文字，${label}的内容我和工作人员在这里都看不到。请用文字写下你想咨询的问题或遇到的情况，我会尽力帮你。\n紧急情况请直接拨打 110 或 120；心理方面可拨打 12356 全国心理援助热线。`,
  linkReceived:
    "收到你分享的链接。为了安全，我不会打开链接，也读不到里面的内容。请用文字写下你想问的事情，我会尽力帮你。",
  locationReceived:
    "已记录你发送的位置。我只能读懂文字，请用文字说明你需要什么帮助。\n如果你现在有危险，请马上拨打 110 或 120，并告诉接线员你在哪里。",
  voiceUnrecognised:
    "收到你的语音，但没能识别出文字。请再说一遍，或直接打字告诉我。\n紧急情况请直接拨打 110 或 120；心理方面可拨打 12356 全国心理援助热线。",
  unknownType: "暂时无法处理这类消息。请直接用文字告诉我你想咨询的问题。\n紧急情况请直接拨打 110 或 120。",
  /** Where Telegram and the web page show buttons: the words to send instead. */
  buttonsHint: (payloads: readonly string[]) =>
    `你可以直接回复：${payloads.map((p) => `「${p}」`).join(" ")}`,
  /** Numbers the web page shows as call buttons, written out. */
  callsLine: (calls: readonly { label: string; number: string }[]) =>
    `电话：${calls.map((c) => c.label).join("、")}`,
  /** Before a staff member's words: every message comes from the account. */
  staffPrefix: "【工作人员】",
  /** Staff-facing (an AppError in the console or Slack): the reply was not stored and not sent. */
  windowClosed:
    "无法发送：该群众超过 48 小时没有给公众号发消息（或已取消关注），微信不允许公众号再主动发消息给他。消息未保存。对方再次发来消息后即可回复；如有危险，请按预案电话联系或报警。",
  /** Staff-facing: WeChat refused a reply already stored (the window closed on its side, or they unfollowed). */
  windowClosedStored:
    "没能送达：微信表示现在不能给该群众发消息（可能已取消关注或超过 48 小时）。回复已保存在对话记录中，对方再次发来消息后可以再回复；如有危险，请按预案电话联系或报警。",
  sendFailed: "消息已保存，但暂时没能通过微信送达，请稍后在对话记录中确认或再发一次。",
  transcript: {
    media: (label: string) => `[${label}]`,
    location: (label: string, x: string, y: string) =>
      `[位置] ${label ? `${label} ` : ""}纬度 ${x}，经度 ${y}`.trim(),
    link: (title: string, url: string) => `[链接] ${title} ${url}`.trim(),
    voiceUnrecognised: "[语音，未识别出文字]",
    subscribed: "[关注公众号]",
    unsubscribed: "[取消关注公众号]",
    tooLong: (text: string) => `[超长消息] ${text}`,
  },
};

/**
 * Staff alerts in WeCom (企业微信) and DingTalk (钉钉) groups (bot/robots/). Case and complaint numbers, the risk
 * level and the console's address only: never a citizen's words or anything that identifies them, since a
 * group robot's messages live on a platform outside our retention and access rules.
 */
export const robotMessages = {
  riskLabels: { high: "高危", imminent: "紧急" } as Record<string, string>,
  newCase: (caseId: string, risk: string, consoleUrl: string) =>
    `【守望】新的${risk}个案 ${caseId} 等待认领。请值班心理咨询师打开工作台处理：${consoleUrl}`,
  riskRaised: (caseId: string, risk: string, consoleUrl: string) =>
    `【守望】个案 ${caseId} 风险升为${risk}，仍在等待认领。请打开工作台：${consoleUrl}`,
  escalated: (caseId: string, risk: string, consoleUrl: string) =>
    `【守望】${risk}个案 ${caseId} 超时仍无人认领，请值班人员和督导立即处理：${consoleUrl}`,
  complaintOverdue: (complaintId: string, consoleUrl: string) =>
    `【守望】诉求 ${complaintId} 已超过办理时限，已转督办。请打开工作台查看：${consoleUrl}`,
};
