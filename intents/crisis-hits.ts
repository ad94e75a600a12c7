/**
 * Reading the lexicon's risk phrases in context: who each is about, and which the explicit rules set aside (a
 * negation, a news report, a described person) or lower (past and recovered). The learned model never undoes
 * these readings; only they can discard a hit.
 */
import { clauseEnd, clauseStart, sentenceEnd, sentenceStart } from "./crisis-canonicaliser.js";
import { type Compiled, groupOf, MENTION_KINDS, type MentionKind } from "./crisis-lexicon-compiler.js";
import { clip, type Hit, modelInput, type Prepared } from "./crisis-preparation.js";
import { RANK, type RiskKind } from "./crisis-risk.js";

/** What the lexicon's phrases say once the context rules have read them. */
export interface LexiconReading {
  /** The gravest counted phrase of each kind, as a RANK (0 when none). */
  ranks: Record<RiskKind, number>;
  /** Among the gravest self phrases (high or graver): one is about the writer; one is about someone else. */
  topSelf: boolean;
  topOther: boolean;
  /** A threat to others (high or graver) made by the writer; one reported of someone the writer knows. */
  threatBySelf: boolean;
  threatByOther: boolean;
  /** Phrases set aside as reports (news, a described person). */
  reported: number;
  /** A high or graver phrase was discarded or lowered by an explicit rule (negation, news report, past and recovered). */
  ruled: boolean;
  /** Some phrase counted (and gave a `lexicon:` reason). */
  counted: boolean;
  /** A counted phrase about others beyond words of contempt (a threat, a wish that someone die, berating one's family). */
  hostileBeyondWords: boolean;
  /** The model's input: the prepared one, with phrases the past rule lowered masked as negated ones are. */
  modelText: string;
  /** Every person mention in the text, in order; found only when a phrase needed them. */
  mentions: RegExpExecArray[] | undefined;
}

export type Subject = { kind: MentionKind | "implicit"; who: string };

const IMPLICIT: Subject = { kind: "implicit", who: "" };

export const isOther = (kind: MentionKind | "implicit"): boolean =>
  kind === "known" || kind === "stranger" || kind === "pronoun";

/** Every person mention in the text, in order (few and short: only computed when there is a hit). */
export function mentionsOf(c: Compiled, text: string): RegExpExecArray[] {
  const re = c.mention;
  const out: RegExpExecArray[] = [];
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    out.push(m);
    if (m[0].length === 0) re.lastIndex++;
  }
  return out;
}

/** The kind of person a mention names. */
export const mentionKind = (m: RegExpExecArray): MentionKind | undefined => MENTION_KINDS[groupOf(m, 4) - 1];

/**
 * Who a phrase at `pos` is about: the last person mentioned before it in the same clause; or in an earlier
 * clause when a reporting verb follows that person (我女儿…说活着没意思), or when that person's clause in the same
 * sentence is a description rather than a finished event (老婆带孩子回娘家了，这几天… → the writer again) and
 * the writer has not appeared since.
 * No mention at all is "implicit": the writer, as Chinese drops the subject.
 */
function subjectOf(c: Compiled, text: string, mentions: readonly RegExpExecArray[], pos: number): Subject {
  let last: RegExpExecArray | undefined;
  for (const m of mentions) {
    if (m.index + m[0].length > pos) break;
    // 有人在我公司楼下…: the writer only names a place; the person before is still the subject.
    if (last && mentionKind(m) === "self" && PLACE_OF_WRITER.test(afterMention(text, m))) continue;
    last = m;
  }
  if (!last) return IMPLICIT;
  const kind = mentionKind(last) ?? "self";
  const who = last[0];
  if (last.index >= clauseStart(text, pos)) return { kind, who };
  const between = text.slice(last.index + who.length, pos);
  if (c.reportingVerb.test(between)) return { kind, who };
  // The writer shows up again, even as an object (家里人都不理解我，…): the topic is the writer.
  if (kind !== "self" && /[我俺]/.test(between)) return IMPLICIT;
  if (last.index >= sentenceStart(text, pos)) {
    const end = clauseEnd(text, last.index);
    if (text.charCodeAt(end - 1) !== 0x4e86 /* 了 */) return { kind, who };
  }
  return IMPLICIT;
}

/** The phrases people also say in jest, and a laugh beside them (laughing emoji are read as 哈哈). */
const HYPERBOLE_PRONE = /不想活|想死|死一死|不活了/;
const LAUGH = /哈哈|嘿嘿|嘻嘻|hhh|笑死/;
/**
 * A laugh that is no joke: 苦笑, 笑不出来, a plan told, or sorrow beside it (想死又不敢的我，哈哈哈; 难过得想死，但是
 * 我依然会笑嘻嘻地说我很好).
 */
const BITTER_LAUGH =
  /苦笑|笑不出|强颜欢笑|哈哈[^，。？]{0,4}(?:我靠|卧槽|妈的)|计划好|准备好|已经|难过|痛苦|绝望|崩溃|抑郁|不敢|假装|装作|我很好|我没事/;

/** The lexicon group of words of contempt for someone (insults, curses, gloating): no threat by themselves. */
export const CONTEMPT_GROUP = "verbal-aggression";
/** Words of contempt, and berating one's family: read apart when someone else said them. */
const INSULT_GROUPS = new Set([CONTEMPT_GROUP, "berating"]);
/**
 * Someone else said the insult, to or of the writer or a group (有人在网上说我们…都是骗子, 家长在群里骂我不配当老师,
 * 被人骂白眼狼, 还说要让我滚蛋): the writer is its target, not its author.
 */
const SAID_BY_OTHER =
  /(?:有人|别人|人家|对方|他|她|他们|她们|网友|家长|老师|同事|领导|客户|邻居|楼主|博主)[^。？]{0,12}(?:说|骂|叫|喊|称|嘲笑|讽刺|笑话)|被[^，。？]{0,6}(?:骂|说|叫|称|笑话)|(?:骂|说|笑话|嘲笑)(?:要)?(?:让|叫)?[我俺](?![的家们]|老[公婆爸妈]|[爸妈儿女闺孩媳丈妻弟妹哥姐婆公]|对象|男朋友|女朋友)/;
/** The insult is a word asked about (这个词是怎么来的, 是啥意思). */
const WORD_ASKED = /这个词|这词|什么意思|啥意思|怎么来的|出处|褒义|贬义|网络用语/;
/**
 * The writer wanting to leave a partner or a marriage: 我想和他分手, 打算跟老公离婚; not being left (老婆要离婚,
 * 他要跟我分手).
 */
const BREAKUP =
  /(?:^|[，,。！!？?\s我俺])(?:真的|好|也|还是|一直)?(?:想|要|打算|准备|决定|该)(?:和|跟)?(?:他|她|男朋友|女朋友|男友|女友|对象|老公|老婆|丈夫|妻子)?(?:分手|离婚|分开)/;

/** Right before a phrase, looking for someone to do it with: 有, 找, 约, 求 (有没有一起烧炭的). */
const SEEKING = /(?:[有找约求]|有没有|一起)$/;

/** A death told in the register of news (自杀身亡, 跳楼去世): over, whenever it was. */
const NEWS_DEATH = /^(?:自杀|轻生|自尽)?(?:身亡|去世|离世|抢救无效|没救过来)/;
/** A self mention that only qualifies someone else: 我的, 我们的, 我认识的, 我最好的. */
const POSSESSIVE = /^们?[^，。？的]{0,3}的/;
/** Only a place the writer belongs to: 我公司, 我们学校, 我家楼下. */
const PLACE_OF_WRITER =
  /^们?(?:公司|单位|学校|小区|宿舍|村|家(?:楼下|楼上|附近|门口|对面|隔壁)|楼下|楼上|附近|对面|隔壁)/;
/** A self mention that only qualifies someone or somewhere else (我的朋友, 我认识的网友, 我公司附近). */
function qualifiesOnly(text: string, m: RegExpExecArray): boolean {
  const after = afterMention(text, m);
  return POSSESSIVE.test(after) || PLACE_OF_WRITER.test(after);
}
/** The few characters after a person mention, where what it qualifies is named. */
const afterMention = (text: string, m: RegExpExecArray): string =>
  text.slice(m.index + m[0].length, m.index + m[0].length + 5);

/** The writer means to try what was heard of (我想试试, 如果是我), weighs it (听说…不错, 不疼) or asks about it. */
const SELF_TRIAL =
  /(?:我|自己)也?(?:想|要|打算|准备)(?:去)?(?:试|这样|跟着|学)|试一试|试试|如果是我|想象[^，。？]{0,8}是我|不错|挺好|比较好|舒服|不疼|不痛|没(?:什么|有)?痛苦|[吗？]$/;

const sentenceAround = (text: string, pos: number): string =>
  text.slice(sentenceStart(text, pos), sentenceEnd(text, pos));

function insideOthers(hits: Prepared["hits"], negated: readonly boolean[], h: Hit): boolean {
  for (let j = 0; j < hits.length; j++) {
    const o = hits[j];
    if (o && o !== h && !negated[j] && o.group.kind === "others" && o.start <= h.start && o.end >= h.end)
      return true;
  }
  return false;
}

/** The writer only as one of 我们 (我们都在乎你), never alone: 我, 俺, 咱, 本人, 老子. */
const WRITER_ALONE = /[我俺咱](?!们)|本人|老子/;
/** Someone spoken to. */
const ADDRESSED = /你|兄弟|姐妹|宝贝|亲爱的|姑娘/;
/**
 * A message that speaks to someone and talks them out of it, with the writer nowhere in it on their own: its risk
 * phrases are the addressee's (老弟，烧炭那条路受罪得很，你可别去; 亲爱的，你再等一等).
 */
const isConsoling = (c: Compiled, text: string): boolean =>
  c.consoling.test(text) && ADDRESSED.test(text) && !WRITER_ALONE.test(text);

/**
 * A denied grave phrase that speaks for the writer's life: not a note or last words (我不会留遗书的，就想安静地走
 * denies a letter, not the wish).
 */
export const deniesLife = (h: Hit): boolean =>
  RANK[h.group.level] >= RANK.high && !/^(?:遗书|遗言|绝笔)$/.test(h.text);

/** Reads every phrase the preparation found; adds its reasons to `p.reasons`, in the order they are read. */
export function readHits(c: Compiled, p: Prepared): LexiconReading {
  const { text, hits, negated, reasons } = p;
  const r: LexiconReading = {
    ranks: { self: 0, others: 0, harmed: 0 },
    topSelf: false,
    topOther: false,
    threatBySelf: false,
    threatByOther: false,
    reported: 0,
    // A denied 痛苦 or 孤独 rules nothing out about a life; only a denied grave phrase does.
    ruled: hits.some((h, i) => negated[i] === true && deniesLife(h)),
    counted: false,
    hostileBeyondWords: false,
    modelText: p.modelText,
    mentions: undefined,
  };
  let hasReportCue: boolean | undefined;
  let consoling: boolean | undefined;
  let hasKnown: boolean | undefined;
  // Most messages have no hit: these two are made on the first one.
  let lexReasons: Set<string> | undefined;
  let lowered: Hit[] | undefined;
  /** An explicit rule lowers a grave phrase to distress: said why, and hidden from the model like a negated one. */
  const lower = (h: Hit, rule: string): number => {
    reasons.push(`${rule}:${clip(h.text)}`);
    r.ruled = true;
    lowered ??= [];
    lowered.push(h);
    return RANK.distress;
  };
  for (let i = 0; i < hits.length; i++) {
    const h = hits[i];
    if (!h) continue;
    if (negated[i]) {
      reasons.push(`negated:${clip(h.text)}`);
      continue;
    }
    // A death wish inside a phrase that wishes it on someone else (盼着他早点去死) is that phrase's, not the
    // writer's own.
    if (h.group.kind === "self" && insideOthers(hits, negated, h)) {
      reasons.push(`wished-on-other:${clip(h.text)}`);
      continue;
    }
    if (INSULT_GROUPS.has(h.group.id)) {
      const sentence = sentenceAround(text, h.start);
      // Teasing between friends (哈哈我说她是猪她说我是狗) is told laughing; gloating (哈哈活该) is not berating.
      if (
        SAID_BY_OTHER.test(text.slice(sentenceStart(text, h.start), h.start)) ||
        WORD_ASKED.test(sentence) ||
        (h.group.id === "berating" && LAUGH.test(sentence))
      ) {
        reasons.push(`quoted:${clip(h.text)}`);
        continue;
      }
    }
    let rank = RANK[h.group.level];
    const kind = h.group.kind;
    let subject = IMPLICIT;
    if (rank >= RANK.high) {
      r.mentions ??= mentionsOf(c, text);
      subject = subjectOf(c, text, r.mentions, h.start);
      hasReportCue ??= c.report.test(text);
      if (hasReportCue && subject.kind !== "self" && subject.kind !== "known") {
        hasKnown ??= r.mentions.some((m) => m[2] !== undefined);
        const lead = text.slice(Math.max(clauseStart(text, h.start), h.start - 3), h.start);
        const desire =
          /[想要]|打算|准备/.test(lead) ||
          /^[想要]/.test(h.text) ||
          SELF_TRIAL.test(sentenceAround(text, h.start));
        if (!hasKnown && !(subject.kind === "implicit" && desire)) {
          r.reported++;
          r.ruled = true;
          reasons.push(`report:${c.report.exec(text)?.[0] ?? ""}(${clip(h.text)})`);
          continue;
        }
      }
      // 跳楼的那个女孩 is someone described; 有烧炭的姑娘吗 seeks a companion for it.
      if (
        kind === "self" &&
        c.describedPerson.test(text.slice(h.end, h.end + 12)) &&
        !SEEKING.test(text.slice(Math.max(0, h.start - 3), h.start))
      ) {
        r.reported++;
        r.ruled = true;
        reasons.push(`described:${clip(h.text)}`);
        continue;
      }
      // Someone else's death that already happened: the writer is bereaved or passing on news.
      // Only for a death or an act (a high phrase), never a preparation (他已经准备好绳子了), and never when the
      // writer is a subject in that sentence (我昨天差点在她面前跳下去了).
      const from = sentenceStart(text, h.start);
      if (
        kind === "self" &&
        h.group.level === "high" &&
        isOther(subject.kind) &&
        c.completedAfter.test(text.slice(h.end, h.end + 6)) &&
        (c.completedBefore.test(text.slice(from, h.start)) ||
          NEWS_DEATH.test(text.slice(h.end, h.end + 6))) &&
        !r.mentions.some(
          (m) =>
            m.index >= from &&
            m.index < h.start &&
            mentionKind(m) === "self" &&
            // 我的朋友, 我认识的一个网友, 我公司楼下: the writer only qualifies who died or where.
            !qualifiesOnly(text, m),
        )
      ) {
        rank = lower(h, "bereaved");
      }
      // Laughing at it (不想活了又胖了三斤😂, 想死的心都有了哈哈): the everyday hyperbole, distress at most.
      if (kind === "self" && h.group.level === "high" && HYPERBOLE_PRONE.test(h.text)) {
        const sentence = sentenceAround(text, h.start);
        if (LAUGH.test(sentence) && !BITTER_LAUGH.test(sentence)) {
          rank = lower(h, "laughing");
        }
      }
      // Talking someone else out of it (你可别去): that person's risk, which the writer worries about.
      consoling ??= isConsoling(c, text);
      if (kind === "self" && consoling) {
        rank = lower(h, "consoling");
      }
      const past = text.slice(Math.max(sentenceStart(text, h.start), h.start - 20), h.start);
      if (c.pastBefore.test(past) && c.pastAfter.test(text.slice(h.end))) {
        rank = lower(h, "past");
      }
    }
    if (kind === "others" && h.group.id !== CONTEMPT_GROUP) r.hostileBeyondWords = true;
    lexReasons ??= new Set();
    lexReasons.add(`lexicon:${h.group.id}`);
    if (rank > r.ranks[kind]) {
      r.ranks[kind] = rank;
      if (kind === "self") {
        r.topSelf = false;
        r.topOther = false;
      }
    }
    if (kind === "self" && rank === r.ranks.self && rank >= RANK.high) {
      if (isOther(subject.kind)) {
        if (!r.topOther) reasons.push(`third-party:${subject.who}`);
        r.topOther = true;
      } else r.topSelf = true;
    } else if (kind === "others" && rank >= RANK.high) {
      // A threat reported about someone the writer knows (我爸喝多了说要去撞死那个人) is theirs, not the writer's.
      if (isOther(subject.kind) && c.reportingVerb.test(text.slice(0, h.start))) {
        if (!r.threatByOther) reasons.push(`third-party:${subject.who}`);
        r.threatByOther = true;
      } else r.threatBySelf = true;
    }
  }
  // Past and recovered as a whole story: the model, which reads the old pain in it, may not raise it above distress.
  if (!r.ruled && r.ranks.self < RANK.high && c.recovered.test(text)) {
    r.ruled = true;
    reasons.push("recovered");
  }
  // Nor may it raise a message that talks someone else out of it (姑娘，你再想想，熬过这阵子就好了).
  if (!r.ruled && r.ranks.self < RANK.high && (consoling ?? isConsoling(c, text))) {
    r.ruled = true;
    reasons.push("consoling");
  }
  // Nor a wish to leave a partner or a marriage, tired of it (我想和他分手，太累了): 想 and 太累了 read to it like a
  // wish to die. The lexicon still reads a wish to die beside it (我想分手，也不想活了).
  if (!r.ruled && r.ranks.self < RANK.high) {
    const breakup = BREAKUP.exec(text);
    if (breakup) {
      r.ruled = true;
      reasons.push(`breakup:${clip(breakup[0].replace(/^[，,。！!？?\s]/, ""))}`);
    }
  }
  if (lexReasons) {
    r.counted = true;
    for (const reason of lexReasons) reasons.push(reason);
  }
  if (lowered) {
    // The model must not see a hit the past rule lowered, as it must not see a negated one.
    r.modelText = modelInput(text, [...hits, ...lowered], [...negated, ...lowered.map(() => true)]);
  }
  return r;
}

/** A counted high phrase plus a time, place or means cue anywhere in the message is imminent. */
export function escalateHits(c: Compiled, r: LexiconReading, reasons: string[]): void {
  if (r.ranks.self !== RANK.high && r.ranks.others !== RANK.high) return;
  const esc = c.escalation.exec(r.modelText);
  if (!esc) return;
  if (r.ranks.self === RANK.high) r.ranks.self = RANK.imminent;
  if (r.ranks.others === RANK.high) r.ranks.others = RANK.imminent;
  reasons.push(`escalated:${esc[0]}`);
}
