/**
 * Where the harm a writer tells of comes from, so the safety reply names the help that fits: a partner or family
 * member (12338, the protection order), school (teachers, the education bureau, 12355), work (labour inspection,
 * 12333), or someone outside (a police report, 12348). Read only for messages already graded as harm done to the
 * writer; undefined when no one is named (他拿着刀在门外), where the family reading stays the default.
 */
export type HarmSetting = "family" | "school" | "work" | "outside";

/** A partner, a former partner or in-laws: named anywhere, the harm is read as domestic. */
const PARTNER =
  /老公|丈夫|老婆|妻子|媳妇|家暴|前夫|前妻|男朋友|女朋友|男友|女友|对象|公公|婆婆|婆家|老丈人|丈母娘|小姑子|大姑姐|妯娌|[我俺]男人|[我俺]家那口子|[我俺]老汉|继父|后爸|继母|后妈|结婚|嫁过来|孩子(?:他|她)(?:爹|爸|妈|娘)/;
const SCHOOL = /学校|同学|同桌|班上|班里|校园|霸凌|班主任|学长|学姐|高年级|幼儿园|寄宿/;
const WORK =
  /老板|包工头|工头|组长|班长|店长|上司|(?<!^)领导(?![好,，您你])|经理|主管|厂里|工地|同事|雇主|东家/;
/** A family member as the one doing it (我爸喝多了打我, 被我哥, 儿子不让我出门); named only in passing, it is not. */
const FAMILY =
  /(?:爸|(?<![他你])妈(?!的)|爹|(?<![老板姑])娘|老伴|继父|继母|后爸|后妈|哥|嫂|姐|弟|妹|儿子|儿媳|女儿|女婿|孙子|家里人|亲戚)[^，。？！]{0,8}(?:打|骂|掐|踹|踢|扇|烫|剪|推|摸|关|锁|饿|虐|逼|拿走|收了|抢|不让|不给|赶|嫌|威胁|动手|拿着?刀|砍)/;
/** Strangers whose reach does not stop at a school or a workplace: online, lenders, collectors, pyramid schemes. */
const STRANGER = /网上|网友|私信|开盒|高利贷|网贷|放贷|催收|传销|跟踪|尾随|偷拍/;
const OUTSIDE =
  /被人(?!身)|邻居|村里|同村|有人|有个(?:男的|女的|人|陌生)|别人|陌生人|路人|(?<![我俺他她])[一两二三四五六七八九十几]个(?:人|男的)|群里|抖音|快手|债主|骗|一帮人|那伙人|混混|流氓|黑社会|乘客|顾客|房东|店主|保安|护工|养老院|抢/;

export function readHarmSetting(text: string): HarmSetting | undefined {
  if (PARTNER.test(text) || FAMILY.test(text)) return "family";
  if (STRANGER.test(text)) return "outside";
  if (WORK.test(text)) return "work";
  if (SCHOOL.test(text)) return "school";
  if (OUTSIDE.test(text)) return "outside";
  return undefined;
}
