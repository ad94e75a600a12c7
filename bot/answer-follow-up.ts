/**
 * A short follow-up about the answer just given (在哪申请, 电话多少, 要带啥材料, 多久能办下来). It names no topic
 * of its own, so read alone it is answered from whatever entry its few words happen to match: 在哪申请 after the
 * answer on wolves killing a herd had been answered with the entry on education assistance. It is about the last
 * answer or referral card: where to go for that, and how to ask about the rest.
 */
import type { Understanding } from "../intents/understand.js";
import type { ConversationState } from "../store/conversations.js";
import { type Decision, humanButton, reply } from "./decision.js";
import type { KnowledgeDeps } from "./knowledge-dialogue.js";
import { contactLines, messages } from "./messages.js";

const LEAD = "(?:那|那么|请问|那请问|那我|我|还有)?(?:这个|这事|这种情况|这)?";
const END = "(?:呢|啊|呀|吗)?";
/** Where to go or whom to ask, and nothing else. */
const WHERE = new RegExp(
  `^${LEAD}(?:应该|该|要|得|可以|能)?(?:在|去|到|找|向|跟)?(?:哪|哪里|哪儿|哪个部门|哪个单位|什么地方|什么部门|啥地方|啥部门|谁)(?:去|里)?(?:申请|办|办理|报|报案|交|领|问|咨询|找|告|起诉|投诉|反映|登记|备案|处理|管)?${END}$|^${LEAD}(?:他们的|那边的)?(?:电话|联系电话|联系方式|地址)(?:是|是多少|多少|在哪)?${END}$`,
);
/** What to bring, how long, how, how much: asked of the matter just answered. */
const HOW = new RegExp(
  `^${LEAD}(?:要|需要|得|该)?(?:带|准备|交|提供)?(?:什么|啥|哪些)(?:材料|手续|证件|资料|东西)${END}$|^${LEAD}(?:要|需要|得)?(?:多久|多长时间|几天)(?:能|可以|才能)?(?:办|办好|办下来|下来|批|批下来|到账|有结果)?${END}$|^${LEAD}(?:具体)?(?:怎么|咋|如何)(?:申请|办|办理|弄|整|操作)${END}$|^${LEAD}(?:要|收)(?:钱|费)(?:吗|不)?$|^${LEAD}(?:办理)?(?:流程|程序)(?:是)?(?:什么|啥)?${END}$`,
);

export function answerFollowUpDecision(
  u: Understanding,
  state: ConversationState,
  knowledge: KnowledgeDeps | undefined,
): Decision | undefined {
  const last = state.lastAnswer;
  if (!last || !knowledge) return undefined;
  // A place told with it (我在锡林浩特，去哪办) names the office, not a new topic.
  let text = u.normalised.text;
  for (const p of u.entities.places) text = text.replace(p.matched, "");
  text = text
    .replace(/[\s，,。.？?！!~～]+/gu, "")
    .replace(/^(?:我|我们|俺|俺们)?(?:是|在|住在)(?:这边|这里)?/u, "");
  const asks = WHERE.test(text) ? "where" : HOW.test(text) ? "how" : undefined;
  if (!asks) return undefined;
  const place = u.entities.places[0];
  const office = (kind: string) => (place ? knowledge.officeName(kind, place) : undefined);
  const entry = last.entryId ? knowledge.entry?.(last.entryId) : undefined;
  const domain = knowledge.domain(last.domain);
  let topic: string;
  let contacts: string[];
  if (entry) {
    topic = entry.title ?? entry.questions[0] ?? "";
    contacts = contactLines(entry, office);
  } else if (domain) {
    topic = `${domain.label}方面的问题`;
    const local = office(domain.office);
    contacts = [
      `${domain.where}${local ? `（你所在地：${local}）` : ""}`,
      ...(domain.hotline ? [`${domain.hotline.name} ${domain.hotline.phone}`] : []),
    ];
  } else return undefined;
  const again = entry?.questions[0];
  return {
    replies: [
      reply(
        "answer",
        asks === "where" ? messages.followUpWhere(topic, contacts) : messages.followUpHow(topic, contacts),
        [...(again ? [{ label: messages.showAnswerAgain, payload: again }] : []), humanButton],
      ),
    ],
    state,
    actions: [],
  };
}
