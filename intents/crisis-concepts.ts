/**
 * Concept evidence for the crisis model: which kinds of idea a sentence holds, and which of them occur together.
 *
 * The lexicon enumerates phrasings; real writers combine ideas in ways no list foresees ("该把炭备上了，再熬一熬就可
 * 以走了" has no phrase a list would hold, but it has means, an act of preparing, a time and leaving). So each
 * sentence is read for a handful of concepts, and the pairs that co-occur in one sentence become features the model
 * weighs from its training data. A concept alone says little (药, 明天, 想 are everyday words); the pairs carry the
 * signal: death with a wish, a time or an act; means with an act or a time.
 *
 * Runs on the detector's canonical text after neutral spans (hyperbole, idioms, service terms, deadlines) are masked
 * and negated hits marked, so 累死了, 死亡赔偿金 and 从没想过自杀 give no death concept.
 *
 * Features are single private-use characters (U+E000 + id): they can never come from the citizen's text (the
 * canonicaliser drops that range) and the sparse scorer keys one-character features by their code unit.
 */

import { writerInDialect } from "./dialect-writer.js";
import { firstSet } from "./pattern-set.js";

export const CONCEPTS = [
  "death",
  "wish",
  "time",
  "means",
  "act",
  "leave",
  "join",
  "endure",
  "violence",
  "victim",
  "seek",
] as const;
export type Concept = (typeof CONCEPTS)[number];

/**
 * Death, dying and its euphemisms; leaving (走, 离开) is its own concept because it is mostly travel unless it sits
 * at a clause's end or with the world; joining someone who died (去找你, 带我走) and "cannot go on" likewise.
 */
const SOURCES: Record<Concept, string> = {
  death:
    "(?<![逼杀])死(?!机|磕|党|心|板|角|守|记|扛|撑|缠|宅|敌|刑|结|忠|灰|胡同|循环|对头|脑筋)|自杀|轻生|自尽|寻短见|了结|赴死|安乐死|" +
    "下地狱|黄泉|阴间|另一个世界|天堂|来世|下辈子|长眠|不醒|醒不来|遗书|遗言|告别信|绝笔|遗体|后事|骨灰|葬礼|" +
    "消失|解脱|一了百了|结束(?:吧|了吧|这一切|一切|自己|生命|这条命)|不在了|" +
    "跳(?:楼|河|湖|江|海|桥|崖|下去|下来)|上吊|吊死|烧炭|割腕|割脉|卧轨|服毒|放弃(?:我)?自己|杀死(?:我)?自己|" +
    "(?:不想|不愿|不要)(?:再)?(?:活(?!成|得像|在别人)|醒|睁眼|存在)|去世|离世|客死|自生自灭|死期|重开|重启人生|永远睡|再也不(?:睁|醒)|" +
    "飞来横祸|(?:一场|来场|来一场)意外|意外(?:死亡|身亡|带走)|自戕|坠(?:楼|崖|亡)|把(?:我|自己)(?:也)?(?:扔|丢|推)(?:下去|出去)|高空坠|唯有一死|一死了之|死个透|" +
    "(?:得|患)(?:个|了|上)?绝症|一场大病|(?:冲|开|跳|扎)进(?:水库|河|湖|江|海|水)|" +
    "(?:往|朝)(?:车流|车上|马路中间|河里|水里|沟里)(?:冲|跳|撞)|(?:啥|什么|哪天)时候(?:跳)?下去|人(?:都)?没了[^，。？]{0,3}(?:债|账)|喝药|(?:做|干)那件事|(?:真的)?要去做了|从[^，。？]{1,6}(?:顶|楼|桥|台)上?(?:跳)?下去|(?:人|我)?(?:要是)?自己没(?:的|了)|(?:不打算|不想)再吃(?:饭|东西)了|绝食|" +
    "把我(?:也)?带走|出(?:个|场)?意外就好了|直接结束(?:掉)?(?=[，。？]|$)|不治了|不(?:想|打算|准备)(?:再)?(?:踩刹车|开窗|回头)了?",
  wish:
    "想|要|希望|但愿|愿意?|准备|打算|计划|决定|等不及|等不了|快点|赶紧|什么时候(?:才)?(?:能|可以)|让我|求求?|" +
    "渴望|期待|盼着|不如|干脆|只想|多好|就好了|可以吗|好不好|行不行",
  time:
    "今晚|今天|明天|后天|今夜|凌晨|深夜|(?:等)?没人的时候|很快|马上|快了|过完|之后|天后|周后|月底|年底|倒计时|" +
    "最后一(?:次|个|天|晚|夜|眼|件事|程|帖|条)|(?:星期|礼拜)[一二三四五六日天]|这个(?:周末|冬天|春节|月底|月)|这周|本周|下周|下个月|这个(?:礼拜|星期)|这几天了|春节前|年前|这次|下次|生日|等[^，。？]{1,6}(?:就|再|了)|再[^，。？]{0,3}(?:几|一)(?:天|晚|次)|" +
    "[0-9一二三四五六七八九十]+月(?:份|底|初)?(?=[，。？]|$|吧|就|前)|(?:挑|选|定)(?:好|个)?日子",
  means:
    "药|片|炭|密封条|胶带|绳|刀片|刀|剪刀|农药|百草枯|敌敌畏|老鼠药|洁厕灵|漂白剂|消毒液|煤气|汽油|" +
    "碳(?!排|中和|达峰|酸|水|纤维|足迹)|亚硝酸盐|头孢|动脉|静脉|手腕|胰岛素|围巾|暖气管|皮带|腰带|高架|巷道|" +
    "楼顶|房顶|厂房顶|天台|阳台|窗台|铁道|铁路|冰面|冰上|矿井|废井|井口|(?:那|一)瓶东西|风电塔|铁塔|高压塔|电线杆|塔吊|烟囱|马路中间|车流|(?:那棵|一棵|歪脖子)树|(?:那口|一口|老)井|[0-9一二三四五六七八九十几]+(?:楼|层)|最高(?:那|一)?层|顶层|(?:湖|河|江|海|水库|水塘|池塘)(?:边|里|水|中|底)|大海|水库|桥(?:上|下|边)|大桥|悬崖|铁轨|车祸|车撞|浴缸|剂量|除草剂|草甘膦|杀虫剂|高楼|美工刀",
  act:
    "已经|刚刚?|刚才|想好了|门锁了|锁在|弄好了|找出来了|放在(?:枕头|床)边|看过了|(?:账|债|钱)(?:都)?(?:还清|还完|还上)了?|计划好|交代(?:完|好)了|吃完了|喝完了|吞完了|爬到|爬上|买好|备好|备上|准备好|写好|登记(?:完|好)|收拾好|安排好|处理(?:好|完)|交代好|吃了|喝了|吞了|割了|划了|" +
    "站在|坐在|到了|在(?:楼顶|天台|桥上|河边|湖边|江边)|正在|流血|行动|吞(?:了|下)?|服(?:了|下)|(?<![考测面笔口复初调比])试(?:过|了|试|一试)|" +
    "点不着|[0-9一二三四五六七八九十几]+刀(?![子片具叉])|" +
    // An act told in passing: taking it now, all of it, mixed, tied and tested, the bath run, the blade at hand.
    "(?:现在|这就|马上)就?(?:吃|喝|吞|跳|下去)|(?:拴|系|挂|绑)(?:好了|在[^，。？]{1,6}上)|(?:全|都)(?:吃|喝|吞|打|注射)(?:进去|下去)|" +
    "混着(?:喝|吃)|放满(?:了)?水|在手边|(?:喝|吃)的是|试了一下|就等(?:天黑|晚上|他们睡着|没人)|往[^，。？]{0,4}中间走|还差一步|" +
    // On a viaduct, walked to the river, the pills in hand, water poured, a drawer of pills hoarded, standing at the window.
    "在(?:高架|高架桥|大桥)上|(?:走|来|开|骑)到(?:了)?(?:河|湖|江|水库)边|在手(?:里|上)|倒好(?:了)?|囤(?:了|着)|(?:一点点|偷偷)?攒(?:了|着|够|齐)|" +
    "(?:窗户|窗台|窗边|阳台|楼顶|天台)(?:那|边|上)?站着|去[^，。？]{0,4}(?:楼顶|天台|顶楼)",
  leave:
    "(?:先|该|要|想|就|可以|准备|打算)走(?:了|啦|吧)?(?=[，。？]|$)|我也(?:就)?走(?=[，。？]|$)|离开(?:这个?)?(?:世界|人间|人世|你们|大家)|离去|" +
    "(?:离开|逃离|脱离)(?:这个?)?[^，。？]{0,4}的?(?:世界|人间|人世)|提前离开|先走一步|终于可以走了|" +
    "(?:先|该|要|想|就|可以|准备|打算)(?:离开|拜拜)(?:了|啦|吧)?(?=[，。？]|$)|" +
    "(?:再见|永别|别了|告别)(?:了)?(?:这个)?(?:世界|人间|大家|各位)?(?=[，。？]|$)|我走了(?=[，。？]|$)|" +
    "(?:说|就)拜拜(?:了|啦|吧)?|(?:早点|早些|早早|先)走(?:了)?(?:算了|拉倒|好了|也好|倒省心|省心|干净)|" +
    "(?:再也不|永远不|不打算|不准备|不会再)回(?:来|去|家)了|我不回去了|(?:别|不要|不用)(?:再)?找(?:我)?了|" +
    "(?:等|在|要是)我(?:走|不在)了|别告诉(?:我)?(?:家里人|家人|我爸|我妈|爸妈)|写完这(?:条|封)?(?:信|消息)?就走|" +
    "对不起(?:宝宝|孩子|爸|妈|爸妈|大家|儿子|闺女|女儿)|陪我(?:走)?(?:完)?最后一程|(?:不要|别)(?:再)?(?:挂念|惦记)我|没(?:什么|啥)放不下的了|了无牵挂|别报警|(?<!要)不要报警|(?:猫|狗)给谁养|" +
    // Last words told as errands: who gets the card and its password, what to tell mother, the child better off.
    "(?:以后)?辛苦你了(?=[，。？]|$)|(?:替|帮)我(?:给|跟|告诉)[^，。？]{0,6}说|跟(?:俺|我)(?:娘|妈|爹|爸|媳妇|老婆|闺女|儿子)说|" +
    "锁屏密码是|(?:存折|银行卡|工资卡|卡)[^，。？]{0,10}(?:密码是|在[^，。？]{0,8}(?:里|层|下面?|底下))|密码[^，。？]{0,4}(?:发给|告诉)(?:了)?(?:俺|我)?(?:媳妇|老婆|老公|妈|爸|娘)|" +
    "不用再还(?:钱|债)了|别回来(?:看)?(?:了|我)?(?=[，。？]|$)|(?:会|能)比我(?:带|照顾|养)得好|(?:爸爸|妈妈|我)爱(?:她|他|你|你们)(?=[，。？]|$)|" +
    "(?:帮|麻烦)[^，。？]{0,6}(?:退了|牵回去|收一下)|谁捡到|" +
    "(?:余额|存款|积蓄|钱)(?:都|全)?转给(?:我妈|我爸|家里|爸妈)|(?:好友|联系人)[^，。？]{0,6}(?:都|一个个)?删(?:了|光了)|886(?=[，。？]|$)|用不上了|用不着了|不用(?:再)?管我了|不(?:再)?麻烦(?:她|他|你们|大家)了|就差(?:最后)?一步了?|就是最后的了|(?:替我|帮我)(?:多)?(?:照顾|孝顺|养|陪陪?)(?:好)?(?:我妈|我爸|妈|爸|孩子|爸妈|老人)|谢谢(?:这些年|一直以来)[^。？]{0,8}(?:照顾|陪伴)|" +
    "该交代的(?:都)?交代(?:完|好)了|(?:存折|银行卡|支付宝|微信)(?:的)?密码[^，。？]{0,4}(?:告诉|给|发给)|留(?:了|下)(?:一封|封|一张|张)?(?:信|遗书|纸条|字条)|(?:猫粮|狗粮)[^。？]{0,6}(?:买够|囤够|备够)|不(?:再)?给(?:任何人|大家|家里|谁)添麻烦|以后(?:都)?不会再(?:发|更新|上线|登)了?|" +
    // A scheduled post, possessions given away one by one, passwords left on paper, no one to trouble again.
    "定时(?:微博|消息|邮件|发送)|(?:东西|宝贝|手办|衣服)[^，。？]{0,4}(?:一件件|都|全)送(?:人|掉|出去)|密码(?:写|留|放)(?:在)?[^，。？]{0,4}(?:纸|本子|抽屉)|不(?:会)?(?:再)?麻烦谁了?|最后一条评论|(?:不用|别)(?:再)?回复了",
  join:
    "(?:去|来)(?:那边)?(?:找|陪|见)(?:你|您|你们|他|她|他们)|约好了?一起|带(?:上)?我(?:一起)?走|一起(?:走|离开|去死|结束)|跟你走|结伴|约死|" +
    "有(?:没有)?(?:人)?一起(?:走)?的|跟着?(?:他|她|你|他们|你们)(?:一起)?去(?=[，。？]|$|了|吧)|等我(?:啊|哦|呀)?(?=[，。？]|$)|" +
    "说好(?:了)?[^，。？]{0,3}一起去(?=[，。？]|$)|去(?:你|您)(?:那边|那里|那儿)(?=[，。？]|$|吗|吧|了)|(?:去|到)那边(?=[，。？]|$|了|吧)",
  endure:
    "活不(?:动|下去|成|了|长)|熬不(?:过|下去|住)|撑不(?:下去|住|过|了太久)|坚持不(?:下去|住)|走不下去|受不了了|累了|" +
    "不想(?:再)?(?:熬|坚持|撑)(?:了|下去)?|撑不?太久|" +
    "(?:熬|撑|活|等)不(?:到|过)(?:这个?|今年|明年)?(?:春节|过年|新年|明年|今年|年底|年前|月底|下个?月|下周|开春|开学|夏天|冬天|春天|秋天|生日|那天|[^，。？]{0,3}回来|[0-9一二三四五六七八九十两]+(?:岁|号|月|天))|" +
    "放弃(?:了|吧|算了)?(?=[，。？]|$)",
  violence:
    "杀|砍|捅|劈|削|让(?:他|她|他们)好看|弄死|整死|搞死|打死|等着瞧|(?:她|他|你们)等着(?=[，。？]|$)|掐死|毒死|烧死|撞死|宰了|废了|弄残|打断|下毒|投毒|泼|报复|同归于尽|偿命|拼命|垫背|" +
    "放火|点火|烧了|炸|刀|枪|斧|汽油|硫酸|棍|铁锹|锤子|电棍|剪刀|扎(?:死|伤|他|她|你)|拍死|见血|动了?手脚|下药|" +
    "撞(?:死|他|她|那|人)|(?<!别|别再|不再|不要|不要再)动手(?!术)|躺着(?:回去|出来)|用命(?:还|来还|偿)|血债|这笔账|算账|还回去|尝尝[^，。？]{0,4}滋味|" +
    "付出代价|鱼死网破|两败俱伤|放(?:进|到|在)[^，。？]{0,6}(?:饭|水|杯|碗|锅|菜)里|" +
    // Oblique threats name the person and a harm without 杀 or 死: 收拾他, 要他的命, 找人打他一顿, a weapon carried.
    "(?:收拾|教训|解决|修理|废了|办了|整|弄|干|堵|等)(?:一下)?(?:他|她|他们|她们|那(?:个|帮|些|家)?(?:人|男的|女的|畜生|王八蛋|混蛋|小子|家伙|老东西|狗东西|贱人))|" +
    "要(?:了)?(?:他|她|他们|你)(?:的|家的?)?(?:命|狗命)|(?:打|揍)(?:他|她|他们)(?:一顿|个半死|一顿狠的)|找人(?:打|揍|弄|收拾|砍)|" +
    "钢管|铁棍|棍棒|砍刀|匕首|猎枪|土枪|气枪|雷管|炸药|弩|家伙(?:都)?(?:带|拿|备|在车)|做(?:点|了)?手脚|踏平|血洗|" +
    "(?:放|倒|下)(?:进|到|在)?(?:他|她|他们)家?[^，。？]{0,4}(?:水缸|水井|井|饭|锅|水)里|来一个砸一个|谁(?:先)?(?:上来|敢来|敢动)谁(?:先)?死|(?:闹|出)(?:了)?人命",
  victim:
    "打我|骂我|踢我|不给我饭吃|掐我|扇我|揍我|逼我|威胁我|要挟我|勒索我|跟踪我|骚扰我|欺负我|霸凌|家暴|性侵|猥亵|强奸|虐待|被打|被骂|被欺负|" +
    "被威胁|被跟踪|被骚扰|被关|不让我(?:出门|吃饭|睡觉|走)|" +
    "被[^，。？]{0,6}(?:打|揍|踢|扇|摸|偷拍|锁|扣押?|砸|抢|强迫|逼)|" +
    "(?:打|揍|踢|扇|摸|掐|推|扔|骂|伤害|偷拍|恐吓|锁|关)(?:了)?(?:我|我们|我爸|我妈|我家|我孩子)(?!们?的)|" +
    "把我[^，。？]{0,6}(?:打|锁|关|扔|推|赶|骂)|打(?:进(?:了)?医院|流产|骨折|伤|残)|扣着[^，。？]{0,4}身份证",
  seek:
    "哪里(?:有|能|可以)?(?:卖|买)|去哪(?:里|儿)?买|怎么(?:才能)?买|买得到|买到|多少(?:片|颗|粒|盒|瓶|克|楼|层)|" +
    "够不够|(?:够|足够)(?:吗|了吗)|疼不疼|痛不痛|会(?:不会)?(?:很)?(?:痛|疼)|无痛|(?:不|没)(?:是|那么)?(?:很|太)?(?:痛|疼)|" +
    "怎(?:么|样)样?才?(?:能|可以)?(?:让自己)?(?=死|自杀|离开|消失|结束)|" +
    "(?:什么|啥|哪种|有没有|有什么|有啥)(?:[^，。？]{0,4})?(?:方法|办法|死法|方式)|多高(?:才)?(?:够|行|能)|舒服(?:的|点|些)?(?:方法|办法|死法)|" +
    "(?:什么|啥|哪种|哪个)药|在线等",
};

/** Pairs whose co-occurrence in one sentence is a feature of its own, ordered (a, b) with a before b in CONCEPTS. */
const PAIRS = [
  ["death", "wish"],
  ["death", "time"],
  ["death", "means"],
  ["death", "act"],
  ["death", "join"],
  ["death", "endure"],
  ["wish", "leave"],
  ["wish", "join"],
  ["wish", "means"],
  ["time", "means"],
  ["time", "leave"],
  ["time", "join"],
  ["means", "act"],
  ["means", "leave"],
  ["act", "leave"],
  ["endure", "leave"],
  ["endure", "join"],
  ["wish", "violence"],
  ["time", "violence"],
  ["means", "violence"],
  ["death", "seek"],
  ["means", "seek"],
] as const satisfies readonly (readonly [Concept, Concept])[];
const PAIR_NAMES = PAIRS.map(([a, b]) => `${a}+${b}` as const);

const CONCEPT_BASE = 0xe000;
const PAIR_BASE = 0xe040;
/** Several concepts in one sentence (three or more). */
const DENSE = String.fromCharCode(0xe080);

export interface ConceptReading {
  /** Concept and pair features, as one-character strings, distinct. */
  features: string[];
  /** Bit i set when PAIRS[i] co-occur in some sentence. */
  pairs: number;
  /** Bit i set when CONCEPTS[i] occurs anywhere. */
  concepts: number;
  /** In a text of several sentences, each sentence holding a pair: its span and its pair bits. */
  sentences?: { start: number; end: number; pairs: number }[];
}

export type ConceptPair = (typeof PAIR_NAMES)[number];

export interface ConceptReader {
  read(text: string): ConceptReading;
  /** The mask of these concepts, to test a reading's `concepts` against. */
  conceptMask(concepts: readonly Concept[]): number;
  /** The mask of these pairs, to test a reading's `pairs` against. */
  maskOf(pairs: readonly ConceptPair[]): number;
}

const NO_CONCEPTS: ConceptReading = Object.freeze({ features: [], pairs: 0, concepts: 0 }) as ConceptReading;

export function createConceptReader(): ConceptReader {
  // Harm done to the writer reads 俺 as 我 too (俺男人打俺).
  const sources = CONCEPTS.map((c) => (c === "victim" ? writerInDialect(SOURCES[c]) : SOURCES[c]));
  const regexes = sources.map((s) => new RegExp(s, "g"));
  // Most everyday text holds no character a concept can start with: one pass over the text, looking each character
  // up in a table of the concepts it can start, finds which regexes are worth running at all (a third of the
  // detector's time went into running all of them on every message).
  // Per UTF-16 code unit, the concepts a match can start with (bit k: CONCEPTS[k]): one array read per character.
  if (CONCEPTS.length > 16) throw new Error("concept start masks hold 16 concepts");
  const startsOf = new Uint16Array(0x10000);
  let always = 0;
  sources.forEach((source, k) => {
    const first = firstSet(source);
    if (first.any || first.nullable) always |= 1 << k;
    else
      for (const ch of first.chars) {
        const code = ch.charCodeAt(0);
        startsOf[code] = (startsOf[code] as number) | (1 << k);
      }
  });
  const conceptFeature = CONCEPTS.map((_, i) => String.fromCharCode(CONCEPT_BASE + i));
  const pairIndex = PAIRS.map(([a, b]) => [CONCEPTS.indexOf(a), CONCEPTS.indexOf(b)] as const);
  const pairFeature = PAIRS.map((_, i) => String.fromCharCode(PAIR_BASE + i));
  // One sentence mask per sentence end; a sentence is delimited by 。 or ？ (commas keep ideas together).
  // Reused across messages: a read allocates only the features it returns.
  let ends: Int32Array = new Int32Array(16);
  let masks = new Uint32Array(16);
  /** Per concept, where the first character that can start it sits in the text being read. */
  const firstAt = new Int32Array(CONCEPTS.length);
  return {
    conceptMask(concepts) {
      let m = 0;
      for (const c of concepts) m |= 1 << CONCEPTS.indexOf(c);
      return m;
    },
    maskOf(pairs) {
      let m = 0;
      for (const p of pairs) {
        const i = PAIR_NAMES.indexOf(p);
        if (i < 0) throw new Error(`unknown concept pair ${p}`);
        m |= 1 << i;
      }
      return m;
    },
    read(text) {
      let candidates = always;
      let sentences = 0;
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        const starts = startsOf[c] as number;
        // A concept's regex cannot match before its first possible start: it is run from there.
        for (let fresh = starts & ~candidates; fresh !== 0; fresh &= fresh - 1)
          firstAt[31 - Math.clz32(fresh & -fresh)] = i;
        candidates |= starts;
        if (c === 0x3002 || c === 0xff1f) {
          if (sentences === ends.length - 1) ends = grown(ends);
          ends[sentences++] = i;
        }
      }
      if (candidates === 0) return NO_CONCEPTS;
      if (sentences === ends.length) ends = grown(ends);
      ends[sentences++] = text.length;
      if (masks.length < sentences) masks = new Uint32Array(ends.length);
      masks.fill(0, 0, sentences);
      let any = 0;
      for (let k = 0; k < regexes.length; k++) {
        const re = regexes[k];
        if (!re || (candidates & (1 << k)) === 0) continue;
        re.lastIndex = (always & (1 << k)) !== 0 ? 0 : (firstAt[k] as number);
        for (let m = re.exec(text); m !== null; m = re.exec(text)) {
          const s = sentenceOf(ends, sentences, m.index);
          masks[s] = (masks[s] as number) | (1 << k);
          any |= 1 << k;
          if (m[0].length === 0) re.lastIndex++;
        }
      }
      if (any === 0) return NO_CONCEPTS;
      let pairs = 0;
      let dense = false;
      // Distinct by construction, in the order a Set of them would list them.
      const features: string[] = [];
      for (let k = 0; k < CONCEPTS.length; k++) if (any & (1 << k)) features.push(conceptFeature[k] ?? "");
      let withPairs: ConceptReading["sentences"];
      for (let s = 0; s < sentences; s++) {
        const mask = masks[s] as number;
        if (mask === 0) continue;
        let here = 0;
        for (let p = 0; p < pairIndex.length; p++) {
          const pair = pairIndex[p];
          if (pair && mask & (1 << pair[0]) && mask & (1 << pair[1])) {
            if ((pairs & (1 << p)) === 0) features.push(pairFeature[p] ?? "");
            pairs |= 1 << p;
            here |= 1 << p;
          }
        }
        if (here !== 0 && sentences > 1) {
          withPairs ??= [];
          withPairs.push({
            start: s === 0 ? 0 : (ends[s - 1] as number) + 1,
            end: ends[s] as number,
            pairs: here,
          });
        }
        let bits = 0;
        for (let v = mask; v !== 0; v &= v - 1) bits++;
        if (bits >= 3 && !dense) {
          features.push(DENSE);
          dense = true;
        }
      }
      return withPairs
        ? { features, pairs, concepts: any, sentences: withPairs }
        : { features, pairs, concepts: any };
    },
  };
}

/** The sentence holding `pos`: the first of ends[0 .. count) at or after it. */
function sentenceOf(ends: Int32Array, count: number, pos: number): number {
  let lo = 0;
  let hi = count - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((ends[mid] as number) < pos) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function grown(a: Int32Array): Int32Array {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}
