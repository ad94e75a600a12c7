/**
 * A question for an office's phone number, address or hours (劳动监察大队电话多少, 民政局在哪, 医保局周六上班吗):
 * it asks where to reach an office, not what the law says, and no entry answers it (the phone words of an entry
 * about wage crimes covered it). The office is named by its kind in the dispatch catalogue, so that the reply can
 * name the citizen's own 旗县区 office and its hotline.
 */
import { ASKING } from "./vague-question.js";

/** Words citizens use for an office, most specific first (劳动监察 before 人社). */
const OFFICES: readonly (readonly [RegExp, string])[] = [
  [/劳动(?:保障)?监察(?:大队|支队|队)?/u, "hrss-labour-inspection"],
  [/(?:劳动(?:人事)?争议)?仲裁委(?:员会)?|劳动仲裁(?:院|庭)?/u, "labour-arbitration"],
  [/人社局|人社部门|人力资源和社会保障局|人力社保局|社保局|社保中心|就业局/u, "hrss"],
  [/医保局|医疗保障局|医保中心/u, "medical-security"],
  [/民政局|民政所/u, "civil-affairs"],
  [/自然资源局|国土局|国土资源局|不动产登记中心/u, "natural-resources"],
  [/住建局|住房和城乡建设局|房管局|房产局|征收办|拆迁办/u, "housing-construction"],
  [/卫健委|卫生健康委(?:员会)?|卫生局/u, "health-commission"],
  [/信访局|信访办/u, "petition-bureau"],
  [/应急管理局|应急局|安监局/u, "emergency-management"],
  [/市场监管局|市场监督管理局|工商局|食药监(?:局)?|消协/u, "market-regulation"],
  [/交警(?:大队|支队|队)?|车管所/u, "traffic-police"],
  [/公安局|派出所/u, "public-security"],
  [/法律援助中心|司法局|司法所/u, "justice"],
  [/(?:人民)?法院|法庭/u, "court"],
  [/(?:人民)?检察院/u, "procuratorate"],
  [/农牧局|农业局|农业农村局|畜牧局|农牧业局|兽医站/u, "agriculture-animal-husbandry"],
  [/林草局|林业局|林业和草原局|草原站|草原监理/u, "forestry-grassland"],
  [/环保局|生态环境局/u, "ecology-environment"],
  [/教育局|教体局/u, "education"],
  [/交通局|交通运输局|运管所|运管局/u, "transport"],
  [/城管(?:局|大队|队)?|城市管理(?:综合执法)?局/u, "urban-management"],
  [/纪委(?:监委)?|监委/u, "discipline-inspection"],
  [/妇联/u, "womens-federation"],
  [/残联/u, "disabled-federation"],
];

/** Asking how to reach it: a number, an address, the way there, the hours. */
const REACH =
  /电话|号码|联系方式|怎么联系|地址|在哪|哪儿|哪里|位置|怎么走|几点|上班时间|办公时间|工作时间|上班吗|开门|周末|周六|周日|节假日/u;
const REACH_ALL = new RegExp(REACH.source, "gu");
/** Words of when, beside the asking words: 几点上班, 周六开门吗. */
const WHEN =
  /几点|上班|下班|办公|工作|开门|关门|周末|周六|周日|星期[一二三四五六日天]|节假日|今天|明天|中午|时间/gu;

/** Longer than this, a message tells a matter of its own: its answer, not a phone number, is what it needs. */
const SHORT = 24;

/** The office kind a message asks how to reach, or undefined. `text` is normalised, with place names taken out. */
export function readOfficeQuestion(text: string): { kind: string } | undefined {
  if (text.length > SHORT || !REACH.test(text)) return undefined;
  const found = OFFICES.find(([re]) => re.test(text));
  if (!found) return undefined;
  const [re, kind] = found;
  // Nothing may be left but the office, the asking and the when: 劳动监察大队不管欠薪怎么办 asks about a matter.
  const left = text
    .replaceAll(new RegExp(re.source, "gu"), "")
    .replace(REACH_ALL, "")
    .replace(WHEN, "")
    .replace(ASKING, "");
  if (/[\p{Script=Han}a-z0-9]/u.test(left.replace(/[的个那这]/gu, ""))) return undefined;
  return { kind };
}
