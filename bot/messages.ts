/**
 * Every sentence a citizen reads comes from here, so that wording is reviewed in one place.
 * Crisis texts follow safe-messaging practice: warm, short, hotlines first, a question about safety now,
 * no method details, no promise of confidentiality.
 */
import type { KnowledgeEntry } from "../knowledge/schema.js";
import type { Button } from "./reply.js";

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

export const messages = {
  welcome:
    "你好，我是「守望」，内蒙古群众服务助手。\n我可以：解答政策法规问题（附法律依据）、在你心里难受时陪你并联系心理咨询师、帮你反映诉求。\n直接用中文打字问我就行，也可以点下面的按钮。",
  help: "你可以这样用我：\n· 直接问问题，比如「征地补偿标准怎么定」「老板拖欠工资怎么办」\n· 心里难受、压力大，可以直接说，我会联系心理咨询师\n· 「转人工」找工作人员，「查询进度」查看你反映的事项\n· 「订阅」每周收到普法小知识，「退订」随时取消\n紧急情况请直接拨打 110（报警）、120（急救）。",
  policyPrompt: "请直接写下你想咨询的问题，比如「申请劳动仲裁需要什么材料」「草原补奖发放找谁」。",
  greeting: "你好！有什么可以帮你的？可以直接说你遇到的事情。",
  thanks: "不客气，有需要随时找我。",
  goodbye: "好的，祝你一切顺利。有需要随时回来找我。",
  outOfScope:
    "这个问题超出了我能可靠回答的范围，我不想随便给你一个不准确的答案。\n我能帮你的是：政策法规咨询、心理支持、反映诉求。你也可以点「转人工」，或拨打 12345 政务服务便民热线。",
  unsure: (topics: readonly KnowledgeEntry[]) =>
    topics.length > 0
      ? `这个问题我不太确定，不想给你不准确的答案。\n你想问的是不是下面这些？也可以转人工，或拨打 12345 政务服务便民热线、12348 法律服务热线。\n${topics
          .map((e, i) => `${i + 1}. ${e.questions[0] ?? ""}`)
          .join("\n")}`
      : "这个问题我不太确定，不想给你不准确的答案。你可以换个说法再问，点「转人工」，或拨打 12345 政务服务便民热线、12348 法律服务热线。",
  clarify: (a: string, b: string) => `我想确认一下：你想问的是「${a}」还是「${b}」方面的问题？`,
  answer: (entry: KnowledgeEntry) => {
    // Articles of one law read as one citation: 《劳动争议调解仲裁法》第二十一条、第二十八条.
    const byLaw = new Map<string, string[]>();
    for (const c of entry.citations)
      byLaw.set(c.law, [...(byLaw.get(c.law) ?? []), ...(c.article ? [c.article] : [])]);
    const cites = [...byLaw].map(([law, articles]) => `《${law}》${articles.join("、")}`).join("；");
    const contacts = entry.contact.map((c) =>
      c.phone && !c.name.includes(c.phone) ? `${c.name}（${c.phone}）` : c.name,
    );
    return `${entry.answer.trim()}\n\n依据：${cites}\n办理咨询：${contacts.join("；")}\n${HOTLINE_FOOTER}`;
  },
  crisisSelf: (imminent: boolean) =>
    imminent
      ? "我很担心你现在的安全。如果你已经受伤、服了药，或者正在危险的地方，请马上拨打 120 急救或 110 报警，或者请身边的人立刻帮你打。\n也可以拨打 12356 全国心理援助热线。\n你现在安全吗？我已经在请心理咨询师过来，请留在这里和我说话。"
      : "谢谢你愿意告诉我，听起来你真的很痛苦，你不是一个人。\n请拨打 12356 全国心理援助热线，那里有专业的人愿意听你说；如果你有马上伤害自己的危险，请立刻拨打 110 或 120。\n你现在安全吗？我正在为你联系心理咨询师，请先别离开。",
  crisisOther: (imminent: boolean) =>
    imminent
      ? "听起来 TA 现在很危险。请马上拨打 110 或 120，告诉他们具体位置；如果可以，请你或附近的人尽快到 TA 身边，陪着 TA。\n也可以拨打 12356 全国心理援助热线获得专业建议。\n你现在和 TA 在一起吗？我已经在请心理咨询师来帮你。"
      : "谢谢你告诉我，你这么担心 TA，说明你很在乎 TA。如果 TA 有马上伤害自己的危险，请立刻拨打 110 或 120；平时可以陪 TA 拨打 12356 全国心理援助热线。\nTA 现在安全吗？我正在为你联系心理咨询师，告诉你可以怎样帮助 TA。",
  distress:
    "听起来你最近挺辛苦的，愿意说出来已经很不容易。\n如果想找人聊聊，可以拨打 12356 全国心理援助热线，也可以让我为你联系一位心理咨询师。",
  distressButtons: [
    { label: COMMANDS.acceptCounselor, payload: COMMANDS.acceptCounselor },
    { label: COMMANDS.declineCounselor, payload: COMMANDS.declineCounselor },
  ] as Button[],
  distressDeclined: "好的。如果之后想聊，随时告诉我，或者拨打 12356 全国心理援助热线。",
  supportPrompt:
    "我在这里听你说。可以说说最近发生了什么、你的感受。如果想直接和心理咨询师聊，请点「联系心理咨询师」；也可以拨打 12356 全国心理援助热线。",
  handoffPending:
    "好的，已经为你登记转人工，工作人员接入后会在这里回复你。\n如遇紧急情况，请直接拨打 110 或 120；心理方面可拨打 12356 全国心理援助热线。",
  noOneOnDuty:
    "已经为你登记转人工。现在没有工作人员值班，上班后会第一时间在这里回复你。\n紧急情况请直接拨打 110 或 120；心理方面可拨打 12356 全国心理援助热线；政务问题可拨打 12345。",
  noOneOnDutyCrisis:
    "现在暂时没有心理咨询师在线，我们已经记录并会尽快安排。请不要等待：马上拨打 12356 全国心理援助热线；如有危险，请立刻拨打 110 或 120。",
  handoffUnavailable:
    "人工服务暂未开通，还不能在这里转接工作人员。你可以拨打 12345 政务服务便民热线；心理方面可拨打 12356；紧急情况请拨打 110 或 120。",
  stillWaiting: "工作人员正在赶来，请再稍等一下。紧急情况请直接拨打 110 或 120；政务问题也可拨打 12345。",
  stillWaitingCrisis:
    "我们还在为你联系心理咨询师，一位工作人员马上就来。请不要一个人扛着：现在就可以拨打 12356 全国心理援助热线；如有危险，请立刻拨打 110 或 120。",
  handoffAlready: "已经在为你联系工作人员，请稍等。紧急情况请直接拨打 110 或 120。",
  statusNone: "你目前没有正在办理的事项。需要反映问题，请点「我要投诉」或直接说明情况。",
  complaintNotYet:
    "诉求登记功能正在建设中，暂时还不能在这里提交。你现在可以拨打 12345 政务服务便民热线反映，或点「转人工」由工作人员帮你。",
  subscribed: "已订阅普法小知识，我们每周推送一次，回复「退订」随时取消。",
  alreadySubscribed: "你已经订阅过了，回复「退订」可以取消。",
  unsubscribed: "已退订，不会再给你推送普法内容。",
  notSubscribed: "你目前没有订阅普法内容。",
  // The Mongolian sentence says "For now I can only read Chinese characters" and needs review by a native reader.
  unreadable:
    "ᠪᠢ ᠣᠳᠣ ᠪᠠᠷ ᠵᠥᠪᠬᠡᠨ ᠬᠢᠲᠠᠳ ᠦᠰᠦᠭ ᠤᠩᠰᠢᠵᠤ ᠴᠢᠳᠠᠨ᠎ᠠ᠃\n抱歉，我目前只能读懂中文（简体或繁体），还看不懂蒙古文和其他文字。你可以用中文再说一遍，或点「转人工」由工作人员帮你。紧急情况请拨打 110 或 120。",
  empty: "好像没有收到文字内容，请直接输入你的问题。",
  tooLong: (max: number) => `消息太长了（超过 ${max} 字），请分几段发送，或简要说明主要问题。`,
  error: "抱歉，系统刚才出了点问题，你的消息已经保存。请稍后再试；紧急情况请直接拨打 110 或 120。",
};
