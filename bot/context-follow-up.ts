/**
 * A question that leans on the answer before it (他不给怎么办 after the answer on child support, 那能告他吗, 要是
 * 超过一年了呢, 能赔多少钱): read alone it names no matter, so it got "not sure" or an answer from whatever domain
 * its few words suggest (告 → 起诉与执行). It is read again together with the matter of the last answer or referral
 * card (its domain's own words, 抚养费, or the domain's name): another answer in that domain answers it; no answer but
 * that domain's referral card gives the card; the same answer again means it is about that answer (where to go for
 * what the answer left open). Whatever else it lands on, the message is left as read alone.
 */
import type { Understanding } from "../intents/understand.js";
import type { ConversationState } from "../store/conversations.js";
import type { KnowledgeDeps } from "./knowledge-dialogue.js";

/** Longer messages carry their own matter; a follow-up in chat is a clause or two. */
const MAX_LENGTH = 24;

/**
 * Words that carry on from what was said (那…, 要是…呢, 也算): a short question answered on its own from another
 * domain is still taken as a follow-up when it opens or closes with one and names nothing of that domain's own.
 * A pronoun counts only as the subject it opens with (他跑了找不着人咋整): 我爸八十多了，养老院能拒收他吗 is a new
 * matter. So does a question of a few characters naming no domain's words at all.
 */
const CARRIES_ON =
  /^(?:那|那么|要是|如果|万一|可是|但是|还有(?![，,])|那要是|他|她|对方|人家)|呢[？?]?$|也算|也要|也能|也可以|也行/;
/** Said to open a new matter (换个事, 再问一下, 还有，对了，): never read with the old one. */
const NEW_MATTER = /^(?:换个事|另一个事|另外|再问(?:一下|个事|问)?|还有[，,]|对了|顺便问|我还想问|还想问)/;
/**
 * A feeling said after an answer (好累啊, 真的好烦, 心里难受) is met as a feeling, never read as about the matter,
 * unless it asks something (烦死了，到底能不能赔). A fact added without a question (孩子才三岁, 合同上没写) is a
 * follow-up like any other.
 */
const FEELING =
  /累|烦|难受|难过|伤心|崩溃|痛苦|委屈|绝望|想哭|哭了|郁闷|焦虑|害怕|孤独|没意思|撑不住|受不了|睡不着|活着/;
const ASKS =
  /[?？]|吗|呢|么|咋|怎|啥|什么|多少|多久|几|哪|谁|能不能|可不可以|是不是|算不算|行不行|要不要|该不该|有没有|[能会可要得给赔算管][^，。？]{0,8}不$/;
/** Pronouns and demonstratives anywhere: the matter is somewhere before. */
const POINTS_BACK = /他|她|它|对方|人家|这|那/;
/** So short and naming no domain's words (能赔多少钱, 要多久): nothing in it but the asking about the matter before. */
const BARE = 8;
const bare = (text: string, knowledge: KnowledgeDeps): boolean =>
  text.length <= BARE && (knowledge.termsIn?.(text) ?? []).length === 0;

/**
 * Distress that only the learned model read, in a short message with no word of its own for it: on 都过了一年了呢
 * or 已经拉回来了会罚吗 it leans on a few characters. Right after an answer, such a message is read as a follow-up.
 */
function calm(risk: Understanding["risk"]): boolean {
  if (risk.level === "none") return true;
  return (
    risk.level === "distress" &&
    risk.kind === "self" &&
    risk.reasons.length > 0 &&
    risk.reasons.every((r) => r.startsWith("model:"))
  );
}

/** The classifier's confidence from which a message without an answer is taken to name a domain of its own. */
const OWN_READING = 0.4;

export type ContextReading = { kind: "reread"; understanding: Understanding } | { kind: "same" };

export function contextFollowUp(
  u: Understanding,
  state: ConversationState,
  knowledge: KnowledgeDeps | undefined,
  understand: ((text: string) => Understanding) | undefined,
): ContextReading | undefined {
  const last = state.lastAnswer;
  if (!last || !knowledge || !understand) return undefined;
  if (u.office || u.vague || !calm(u.risk)) return undefined;
  const text = u.normalised.text;
  if (text.length > MAX_LENGTH || NEW_MATTER.test(text)) return undefined;
  if (FEELING.test(text) && !ASKS.test(text)) return undefined;
  // What the message alone leans to: an answer of another domain, or that domain's reading at some confidence.
  const own = u.answer?.entry.topic ?? (u.intent.confidence >= OWN_READING ? u.intent.intent : undefined);
  if (own !== undefined && own !== last.domain && knowledge.domain(own)) {
    if (!bare(text, knowledge) && !CARRIES_ON.test(text)) return undefined;
    if ((knowledge.domain(own)?.terms ?? []).some((t) => text.includes(t))) return undefined;
  } else if (u.answer) return undefined;
  // After a referral card there is no entry: the domain's name is the matter.
  const entry = last.entryId ? knowledge.entry?.(last.entryId) : undefined;
  const domain = knowledge.domain(last.domain);
  if (!domain || (last.entryId && !entry)) return undefined;
  // The title names the matter most narrowly (抚养费给多少); its first phrasing only when the title has none of the
  // domain's words, and the domain's name (拖欠工资) when neither has. Title and phrasing together (离婚 and 抚养费)
  // read back as the answer already given.
  const wordsIn = (s: string | undefined) => (domain.terms ?? []).filter((t) => s?.includes(t));
  const fromTitle = wordsIn(entry?.title);
  const fromQuestion = fromTitle.length > 0 ? fromTitle : wordsIn(entry?.questions[0]);
  const matter = fromQuestion.length > 0 ? fromQuestion : [domain.label];
  const again = understand(`${matter.join("，")}，${text}`);
  if (!calm(again.risk)) return undefined;
  const hit = again.answer?.entry;
  // No answer in the matter's domain, but its referral card: where to go for that matter and the articles.
  // Taken only from a message that points back or names nothing of its own: a new matter the knowledge base has
  // no answer for is not the old matter's.
  if (!hit) {
    const pointsBack = CARRIES_ON.test(text) || POINTS_BACK.test(text) || bare(text, knowledge);
    return pointsBack && again.referral?.domain === last.domain
      ? { kind: "reread", understanding: again }
      : undefined;
  }
  if (hit.topic !== last.domain) return undefined;
  return hit.id === last.entryId ? { kind: "same" } : { kind: "reread", understanding: again };
}
