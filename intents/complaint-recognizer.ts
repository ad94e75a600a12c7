/**
 * Does a message read as a 诉求: a letter to the government about a problem, asking for something to be done?
 *
 * Real letters (to a mayor's mailbox, to 12345) rarely say 投诉: they describe a matter at length (a kindergarten
 * that never opened, a road dug up for months, wages unpaid since spring) and end with a request (希望领导重视,
 * 请有关部门尽快解决, 恳请给个说法). Questions the knowledge base answers are short and shaped as questions
 * (拖欠工资找谁投诉). So a message is a 诉求 when it is long enough to describe a matter and carries evidence of at
 * least two kinds, one of them the matter itself (a request for action, a problem or grievance, or a question to the
 * government about a rule that applies to the writer), the others an addressee in government, a named place, or
 * the people and things a matter concerns. A short message needs more to count; under 25 characters, nothing does.
 */
export interface ComplaintReading {
  /** True when the message should be offered registration as a 诉求. */
  recognised: boolean;
  /**
   * The matter is told to ask what the law allows (能不能要回来, 嫁出去的闺女有没有继承权, 该找谁), not to ask the
   * government to act (希望有关部门尽快处理, 请领导重视): a consultation, answered first when we can.
   */
  consultation: boolean;
  /** Which kinds of evidence were found, for staff and tests. */
  cues: string[];
}

const CUES: Record<string, RegExp> = {
  request:
    /希望|恳请|恳求|请求|要求|建议|呼吁|期盼|盼望|请(?:有关|相关|上级|市|县|区|旗)?(?:部门|领导|政府)|尽快|尽早|早日|能否|可否|何时|什么时候(?:能|才|可以)|给(?:个|一个)?(?:说法|答复|解释|交代)|予以|责令|督促|帮(?:忙|助)?(?:解决|处理|协调)|解决|处理一下|整治|整改|查处|取缔|落实|核实|调查|还(?:我们|老百姓|居民)/,
  problem:
    /反映|投诉|举报|诉求|问题|严重|影响|违规|违法|违章|乱收费|乱搭|乱建|拖欠|欠薪|噪音|噪声|污染|扰民|隐患|至今|一直(?:没|未|不)|多次|迟迟|无人(?:管|问|处理)|没人管|不作为|推诿|扯皮|霸占|侵占|强拆|损坏|破损|坏了|积水|堵塞|停水|停电|漏水|收费|押金|退款|克扣|不给|不发|不退|不让|不予|拒绝|难以|困难|苦不堪言|投诉无门|损失/,
  addressee:
    /领导|书记|市长|县长|旗长|区长|镇长|乡长|主任|局长|政府|有关部门|相关部门|职能部门|主管部门|信箱|尊敬的|您好|你好/,
  consult:
    /咨询|请问|想了解|想问一下|请教|如何办理|怎么办理|办理.{0,6}(?:手续|流程|条件)|是否(?:可以|能|需要|符合|有权|属于)|有没有资格|政策|规定|标准|补贴|补助|报销|资格|盼回复|请回复|望答复|请答复|谢谢/,
  place:
    /[\u4e00-\u9fa5A-Za-z0-9]{1,10}(?:省|市|区|县|旗|盟|镇|乡|街道|苏木|嘎查|村|路|街|大道|小区|花园|公寓|广场)/,
  subject:
    /小区|社区|业主|居民|村民|牧民|嘎查|村里|村委|学校|幼儿园|医院|公司|企业|开发商|物业|单位|工地|老板|商家|门店|市场|道路|马路|路段|路灯|公交|车站|楼盘|房子|住房|安置|拆迁|征地|草场|耕地|学生|家长|孩子|老人|工人|职工|员工/,
};

/** Shaped as a question the knowledge base could answer: 找谁, 怎么办, 合法吗, 多少钱… */
const QUESTION =
  /(?:吗|呢|么|找谁|找哪|怎么办|怎么(?:弄|处理|申请|算|办)|如何|多少|哪里|哪个部门|是否合法|合法吗|可以吗|能不能|行不行)[？?。！!～~\s]*$/;

const CUE_LIST = Object.entries(CUES);

/** How people ask a lawyer or 12348 what they may do, near the end of their story. */
const LAW_QUESTION =
  /[吗么](?:[？?]|[！!。～~\s]*$)|向(?:谁|哪里|哪儿|哪个部门)|要不要|(?:合理|正常|应该|对)不|多久|能不能|可不可以|可以吗|行不行|有没有(?:权|资格|份|用|啥|什么)|算不算|是不是|该不该|咋办|怎么办|咋整|找谁|找哪|该找|(?:要|得|需要)(?:准备|带|办|交)(?:啥|什么|哪些)|(?:啥|什么)手续|多少钱|(?:怎么|咋|如何)(?:算|赔|分|要|办|申请|报销|处理|维权|转)|合法|违法不|犯法|有效吗|能要|能告|能起诉|会不会|还能|(?:去|向|在)?哪里(?:报案|投诉|举报|申请|办|管)|归(?:哪个|哪|什么)(?:部门|单位)|(?:由|归)谁|谁(?:负责|出|管|承担|赔)|(?:什么|啥|哪些)证据|怎么(?:认定|证明|判)|多少天|有没有(?:政策|补偿|补助|补贴|规定|说法)|请问[^。！!？?]{2,60}[？?]|([\u4e00-\u9fa5])不\1|不[？?]|有没有[^。！!？?]{1,16}[？?]|还是[^。！!？?]{1,14}[？?]|(?:怎么|咋|如何)(?:证明|取证|回事|弄|搞|整|界定)|(?:怎么|咋|如何|去哪|在哪|到哪)(?:里|儿)?(?:报警|报案|举报|起诉|告他|告她)/;
/** The message asks, somewhere near its end, what the law allows or where to go (还能转回去吗, 该找谁). */
export function asksWhatLawAllows(text: string): boolean {
  return LAW_QUESTION.test(text.slice(-QUESTION_TAIL));
}

/** Asking the government itself to act: a 诉求 whatever else it asks. */
const GOVERNMENT_REQUEST =
  /(?<![有没])希望(?!吗|不大)|恳请|恳求|请求|呼吁|督促|责令|查处|整治|取缔|予以|领导|书记|市长|县长|旗长|尊敬的|有关部门|相关部门|职能部门|给(?:个|一个)?(?:说法|答复|交代)|尽快(?:解决|处理)|帮(?:我们|忙)?(?:解决|协调)/;
/** The part of a message where its question sits: the last sentences. */
const QUESTION_TAIL = 90;

/** Characters as a reader counts them: a surrogate pair (an emoji, a rare ideograph) is one. */
function codePoints(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++, n++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
  }
  return n;
}

const SHORT: ComplaintReading = Object.freeze({
  recognised: false,
  consultation: false,
  cues: [],
}) as unknown as ComplaintReading;

export function readComplaint(text: string): ComplaintReading {
  // Most messages are short questions: nothing under 25 characters is a letter, so nothing is scanned.
  if (text.length < 25) return SHORT;
  const cues: string[] = [];
  for (const [name, re] of CUE_LIST) if (re.test(text)) cues.push(name);
  const length = codePoints(text);
  const question = QUESTION.test(text.trim());
  const matter = cues.includes("request") || cues.includes("problem") || cues.includes("consult");
  let recognised: boolean;
  // A long letter to us is a matter for someone whatever its words: one kind of evidence is enough.
  if (length >= 120) recognised = cues.length >= 1;
  else if (length >= 60) recognised = matter && cues.length >= 2;
  else if (length >= 25) recognised = matter && cues.length >= (question ? 4 : 3);
  else recognised = false;
  const consultation =
    recognised && LAW_QUESTION.test(text.slice(-QUESTION_TAIL)) && !GOVERNMENT_REQUEST.test(text);
  return { recognised, consultation, cues };
}
