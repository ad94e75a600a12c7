/**
 * What the handoff module says: to citizens outside their own turn (a counselor joining, reassurance while they
 * wait, a case closing, a complaint's progress), the complaint intake's wording, and the detector's reasons in
 * plain Chinese for staff. The bot's own turns take their sentences from bot/messages.ts; both are reviewed
 * alike. Crisis texts follow safe-messaging practice: warm, short, hotlines first, no method details.
 */

/** A crisis or human handoff, from the counselor joining to the case closing. */
export const caseMessages = {
  /** While a person at risk waits: at most three times, further apart each time, never the same words. */
  reassurance: [
    "我还在这里陪着你。心理咨询师正在赶来，请再坚持一下。等待的时候，你也可以直接拨打 12356，或在危险时拨打 110、120。",
    "你愿意的话，可以先跟我说说现在身边有谁、你在什么地方。我们一直在为你联系咨询师；如果情况变急，请马上拨打 120 或 110。",
    "咨询师还没能接上，真的很抱歉让你等这么久。请不要一个人扛着：现在就拨打 12356 全国心理援助热线，有人会接听；有危险请拨打 110 或 120。",
  ] as const,
  reassuranceNobody: [
    "我还在这里。现在暂时没有心理咨询师在线，值班的咨询师一上线就会在这里联系你。等待的时候，请拨打 12356，那里有人接听；有危险请拨打 110 或 120。",
    "你愿意的话，可以跟我说说现在身边有谁、你在什么地方。咨询师上线前，12356 全国心理援助热线随时可以打；如果情况变急，请马上拨打 120 或 110。",
    "真的很抱歉，现在还没有咨询师能接上。请不要一个人扛着：现在就拨打 12356，有人会听你说；有危险请拨打 110 或 120。",
  ] as const,
  staffJoined: (name: string, role: string) =>
    `${name}（${role}）已接入，接下来由 TA 和你聊。你可以把想说的直接告诉 TA。`,
  caseClosed:
    "这次对话先到这里，谢谢你愿意说出来。以后任何时候需要，都可以再给我发消息。\n心理援助热线 12356；紧急情况请拨打 110 或 120。",
  staffRole: {
    counselor: "心理咨询师",
    supervisor: "值班督导",
    department: "工作人员",
    admin: "工作人员",
  } as Record<string, string>,
  stillWaiting: "工作人员正在赶来，请再稍等一下。紧急情况请直接拨打 110 或 120；政务问题也可拨打 12345。",
};

/** The complaint (诉求) intake, filing, follow-up and rating. */
export const complaintMessages = {
  offerRegister: (category?: string, place?: string) =>
    `看起来你是在反映一件需要有关部门处理的事。要帮你登记为诉求吗？${
      category || place
        ? `我会按${[category ? `「${category}」类` : "", place ? `「${place}」` : ""].filter(Boolean).join("、")}先填好，你再补充或更正。`
        : "我会用你刚才写的内容先填好，你再补充。"
    }登记后会转给负责的部门，并告诉你办理进度。`,
  offerDeclined: "好的，不登记。你可以继续问我政策法规问题；之后想登记，说「我要投诉」就可以。",
  askWhat: "好的，我来帮你登记诉求。请先说说发生了什么事（什么时间、什么地方、涉及谁）。",
  whatTooShort: "请再具体说说发生了什么，比如时间、地点、涉及的单位或个人。",
  confirmCategory: (label: string) => `这件事属于「${label}」类，对吗？`,
  chooseCategory: "请选择最接近的类别（也可以直接回复序号）：",
  pickCategory: "这件事最可能属于下面哪一类？请点选；都不是的话点「都不是」。",
  categoryHint:
    "还差类别没选：请点下面的一项，或直接回复类别的名称；都不像的话点「都不是」，我再列出全部类别。",
  detailNoted: (detail: string) => `已记下地点：${detail}。`,
  askRequestHint: "请用一句话说说你希望有关部门怎么做，比如「尽快修好」「依法查处」「给个答复」。",
  contactHint: "请点「在这里回复我」或「留电话」；要留电话的话，直接发 11 位手机号就可以。",
  consentHint:
    "请回复「同意」或「不同意」：同意才会保存这个号码，仅用于承办部门联系你；不同意也没关系，结果会在这里告诉你。",
  confirmHint:
    "还没有提交。上面的内容无误请点「确认提交」；要改哪一项，说「修改类别」「修改地点」「修改诉求」或「修改联系方式」；放弃请说「取消」。",
  askCounty: (league: string) =>
    `是${league}的哪个旗县区？比如「${league === "呼和浩特市" ? "赛罕区" : "某某旗"}」。不清楚可以回复「不清楚」。`,
  askPlace: "事情发生在哪里？请说出盟市和旗县区，比如「鄂尔多斯市准格尔旗」。不清楚可以回复「不清楚」。",
  placeNotFound: (text: string) =>
    `没有找到「${text}」这个地方。请说出内蒙古的盟市和旗县区，比如「赤峰市松山区」「锡林郭勒盟阿巴嘎旗」；不清楚可以回复「不清楚」。`,
  placeUpdated: (place: string) => `已把地点改为：${place}。`,
  askDetail: (place: string) =>
    `在${place}的哪个苏木乡镇（街道）、嘎查村（社区）？不清楚可以回复「不清楚」。`,
  askRequest: "你希望有关部门怎么处理？比如「尽快支付拖欠的工资」「公开补偿标准」。",
  askContact: "处理结果怎么告诉你？可以在这里回复你，也可以留一个电话。",
  phoneMissing: "请输入你的手机号码（11 位），或回复「在这里回复」。",
  askConsent: (phone: string) =>
    `你留的电话是 ${phone}。是否同意我们保存这个号码，仅用于承办部门就本诉求联系你？回复「同意」或「不同意」。`,
  idRemoved: "为保护你的隐私，登记诉求不需要身份证号，你发的身份证号已隐去，不会保存。",
  contactChat: "在本对话中回复",
  contactPhone: (masked: string) => `电话 ${masked}（已同意保存，仅用于本诉求）`,
  summary: (s: { category: string; place: string; what: string; ask: string; contact: string }) =>
    `请核对你的诉求：\n类别：${s.category}\n地点：${s.place}\n情况：${fullWidth(s.what)}\n诉求：${fullWidth(s.ask)}\n联系方式：${s.contact}\n无误请回复「确认提交」；要改哪一项请说「修改地点」「修改诉求」等；放弃请说「取消」。`,
  cancelled: "好的，已取消，这次的内容不会提交。需要时随时说「我要投诉」。",
  filed: (f: { id: string; department: string; acceptBy: string; handleBy: string }) =>
    `已登记，编号 ${f.id}。\n已转给：${f.department}\n部门会在 ${f.acceptBy} 前决定是否受理，受理后会通知你；${f.handleBy} 前办结。\n查询进度请点下面的按钮，或发送「查询进度 ${f.id}」。`,
  joinedOwn: (id: string) =>
    `你之前反映的同一件事（编号 ${id}）还在办理中，这次的内容已补充到原诉求里，不会重复派单。查询进度请发送「查询进度 ${id}」。`,
  statusLine: (s: { id: string; state: string; department: string; handleBy: string }) =>
    `${s.id}：${s.state}（承办：${s.department}，办理期限 ${s.handleBy}）`,
  statusNotYours:
    "没有找到你提交的这个编号。只能查询你自己在本对话中提交的诉求；换了手机或浏览器的，请发送「查询进度 编号 登记时留的手机号后四位」。",
  statusNoMatch: "编号和手机号后四位对不上。请核对后再试；没有留手机号的诉求，只能在当初登记的对话里查询。",
  statusTooManyTries: "尝试次数太多了，请一小时后再试，或拨打 12345 查询。",
  departmentReply: (department: string, text: string) =>
    `【${department}】${text}\n（要回复承办部门，直接在这里回复即可。）`,
  supplemented: (department: string, id: string) => `已转给${department}（诉求 ${id}），他们会在这里回复你。`,
  supplementOrNew: (department: string, id: string) =>
    `${department}正在办理你的诉求 ${id}。这条消息是要补充给承办部门的，还是一个新问题？`,
  extended: (id: string, until: string, reason: string) =>
    `你的诉求 ${id} 办理期限已延长至 ${until}，原因：${reason}。`,
  closed: (id: string, result: string) =>
    `你的诉求 ${id} 已办结。\n办理结果：${result}\n请问问题解决了吗？回复「已解决」或「未解决」。`,
  closedNoSurvey: (id: string, result: string) => `你的诉求 ${id} 已办结。\n办理结果：${result}`,
  staleButton:
    "这份诉求已经提交过了（或已取消），不需要再确认。想看办理进度，点「查询进度」；有新的事情要反映，说「我要投诉」。",
  askRating: "请给这次办理打分：1-5 分（5 分最满意），也可以在分数后写几句意见。",
  ratingThanks: "谢谢你的评价，我们会转给承办部门和督办人员。",
  reopened: (id: string) => `已记录问题未解决，诉求 ${id} 已重新提交督办人员处理，会尽快回复你。`,
  ratingInvalid: "请回复 1 到 5 的数字，比如「4 处理得挺快」。",
};

/** Plain Chinese for a detector reason code ("lexicon:imminent-act", "model:high:0.93"), for staff. */
export function riskReasonLabel(code: string): string {
  const [head = "", rest = ""] = splitOnce(code, ":");
  switch (head) {
    case "lexicon":
      return RISK_GROUP_LABELS[rest] ?? `词表：${rest}`;
    case "model": {
      const [what = "", p = ""] = splitOnce(rest, ":");
      const label =
        {
          high: "高危",
          distress: "情绪困扰",
          others: "威胁他人",
          hostility: "对他人的怨恨",
          harmed: "遭受侵害",
          "harmed-now": "正遭受侵害、危险就在眼前",
        }[what] ?? what;
      return `模型判断${label}（把握 ${Math.round(Number(p) * 100)}%）`;
    }
    case "second-opinion":
      return `按群众来信训练的第二模型判断高危（把握 ${Math.round(Number(rest) * 100)}%）`;
    case "escalated":
      return rest === "concepts"
        ? "同一句里有方法或工具，又有行动或时间"
        : `提到时间、地点或工具（“${rest}”）`;
    case "bereaved":
      return `他人已经离世，写信人在哀伤中，已降为情绪困扰（“${rest}”）`;
    case "wished-on-other":
      return `咒骂他人的话，不算本人轻生（“${rest}”）`;
    case "third-party":
      return `说的是他人（“${rest}”）`;
    case "negated":
      return `否定说法，已排除（“${rest}”）`;
    case "hyperbole":
    case "idiom":
      return `夸张或习惯说法，已排除（“${rest}”）`;
    case "game":
      return `游戏用语，已排除（“${rest}”）`;
    case "service":
      return `咨询服务用语，已排除（“${rest}”）`;
    case "deadline":
      return `办事期限，已排除（“${rest}”）`;
    case "see-you":
      return `约了再见的日常道别，已排除（“${rest}”）`;
    case "travel":
      return `出行安排，已排除（“${rest}”）`;
    case "breakup":
      return `想分手或离婚，说的是感情，不是轻生，已排除（“${rest}”）`;
    case "rescue":
      return `下水救人，已排除（“${rest}”）`;
    case "passed-away":
      return `说的是亲人已经离世，不是本人轻生，已排除（“${rest}”）`;
    case "prices":
      return `抱怨物价，已排除（“${rest}”）`;
    case "medicine":
      return `按常量吃的常用药，已排除（“${rest}”）`;
    case "farm":
      return `农牧业生产用药，已排除（“${rest}”）`;
    case "denial":
    case "accident":
      return `否定或意外，已排除（“${rest}”）`;
    case "report":
    case "described":
      return `新闻或转述他人，已降级（${rest}）`;
    case "past":
      return `过去的经历，已降级（“${rest}”）`;
    case "laughing":
      return `带着玩笑说的夸张话，已降级（“${rest}”）`;
    case "recovered":
      return "讲的是已经走出来的过去，已降为情绪困扰";
    case "consoling":
      return rest
        ? `在劝别人别做傻事，说的是对方的风险，已降为情绪困扰（“${rest}”）`
        : "在劝别人别做傻事，说的是对方的风险，不按本人高危处理";
    case "obfuscation":
      return `谐音、拼音或符号写法（“${rest}”）`;
    default:
      return code;
  }
}

const RISK_GROUP_LABELS: Record<string, string> = {
  "imminent-act": "正在实施（服药、割伤、烧炭等）",
  "imminent-place": "正在高处或水边",
  "imminent-means": "已准备好工具或药物",
  "imminent-time": "说出了时间或告别",
  "suicide-ideation": "表达轻生念头",
  "passive-wish": "不想活下去的消极念头或觉得自己是负担",
  "self-harm": "自伤",
  "harm-others": "扬言伤害他人",
  hostility: "怨恨他人、盼其死去（未说要动手）",
  "verbal-aggression": "辱骂、诅咒或鄙视他人（言语攻击，未说要动手）",
  berating: "自述经常辱骂、吼骂家人",
  harmed: "正遭受伤害（家暴、欺凌、骚扰等）",
  "harmed-danger": "正处于他人伤害的危险中",
  distress: "情绪困扰",
};

function splitOnce(s: string, sep: string): [string, string] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, ""] : [s.slice(0, i), s.slice(i + sep.length)];
}

/**
 * The normaliser folds punctuation to half width for matching; text read back to a citizen gets Chinese
 * punctuation again where it sits among Chinese characters.
 */
export function fullWidth(text: string): string {
  const map: Record<string, string> = {
    ",": "，",
    "?": "？",
    "!": "！",
    ":": "：",
    ";": "；",
    "(": "（",
    ")": "）",
  };
  return text.replace(
    /(?<=[\u4e00-\u9fff）」])\s*([,?!:;()])|([,?!:;()])\s*(?=[\u4e00-\u9fff（「])/g,
    (_m, a, b) => map[a ?? b] ?? _m,
  );
}

/** Spike alerts (突增预警), for supervisors in Slack, in WeCom/DingTalk groups and on the command line. */
export const spikeMessages = {
  /** One line: where, what, how many against how many usually; crisis spikes as a count only. */
  headline(s: {
    kind: "complaints" | "crisis";
    day: string;
    league: string | null;
    county: string | null;
    categoryLabel: string;
    observed: number;
    expected: number;
  }): string {
    const usual = s.expected < 0.1 ? "平时几乎没有" : `平时约 ${s.expected.toFixed(1)} 件/天`;
    if (s.kind === "crisis")
      return `【守望·预警】${s.day} 全区危机个案 ${s.observed} 件，${usual}（只报数量）`;
    const place = [s.league, s.county].filter(Boolean).join("") || "地点不详";
    return `【守望·预警】${s.day} ${place}「${s.categoryLabel}」诉求突增：${s.observed} 件，${usual}`;
  },
  cases: (ids: readonly string[], max = 20) =>
    `涉及诉求：${ids.slice(0, max).join("、")}${ids.length > max ? ` 等 ${ids.length} 件` : ""}`,
  open: (url: string) => `请督办人员打开数据看板查看：${url}`,
};

/**
 * Legal-education campaigns (campaigns/): what a subscriber receives. Every campaign message ends with how to
 * stop receiving it, in the words that do it.
 */
export const campaignMessages = {
  heading: (title: string) => `【普法 · ${title}】`,
  citationsHeading: "【法律依据】",
  footer: (topicNames: readonly string[]) =>
    `回复${topicNames.map((n) => `「退订 ${n}」`).join("或")}不再接收这类内容，回复「退订」取消全部普法推送。`,
  moreButton: "了解更多",
  unsubscribeButton: (name: string) => `退订 ${name}`,
  /** 「了解更多」 on a campaign that no longer exists or has nothing attached. */
  moreGone: "这条普法内容已经没有更多资料了。有问题可以直接问我，或拨打 12348 法律服务热线。",
  moreArticle: (law: string, label: string, text: string) => `【${law}${label}】\n${text}`,
  /** The consent log's record when a platform tells us the citizen blocked the bot (or a send was refused so). */
  blockedRecord: "停用或屏蔽了本机器人（平台通知），视为退订全部普法推送",
  unfollowedRecord: "取消关注公众号（微信通知），视为退订全部普法推送",
};
