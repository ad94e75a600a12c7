/**
 * Short answers read whole, not by their first characters: "好累" is not a yes, "可以不留电话吗" is not consent,
 * "对了，地点写错了" is not a confirmation, and anything with a negation is not a yes. A closing particle or
 * punctuation may follow ("好的呀。").
 *
 * Two vocabularies on purpose, named by where they apply: the bot's offers (a counselor, registering a letter)
 * and the 回访 in bot/dialogue.ts, and the complaint intake in bot/complaint-dialogue.ts, which also takes
 * 对/确认/同意 as yes and 不是/不对 as no, and reads 算了/不用了 as cancelling the complaint.
 */

const END = "[的啊吧呀呢哈嗯]*[。.!！~～]*$";
const whole = (words: string, flags = "") => new RegExp(`^(${words})${END}`, flags);

/** Yes to an offer of the bot's: a counselor, or registering a letter as a 诉求 (bot/dialogue.ts). */
export const OFFER_YES = whole("好|好的|可以|嗯|要|需要|是|是的|行|联系吧?|麻烦了|麻烦你了|ok|好啊", "i");
/** No to an offer of the bot's (bot/dialogue.ts). */
export const OFFER_NO = whole("不|不用|不要|不需要|算了|没事|暂时不用|不用了");

/** An acknowledgement with no offer open (bot/dialogue.ts): it asks nothing. */
export const ACKNOWLEDGED = whole(
  "好|好的|好吧|行|嗯|嗯嗯|哦|噢|知道了|明白了|了解了|懂了|收到|ok|okay",
  "i",
);

/** 回访: the matter was resolved (bot/dialogue.ts). */
export const FOLLOW_UP_RESOLVED = whole("已解决|解决了|已经解决了?|问题解决了|是|好了|满意");
/** 回访: it was not (bot/dialogue.ts). */
export const FOLLOW_UP_UNRESOLVED = whole("未解决|没解决|没有解决|还没解决|还没有|否|不满意|没有");

/** Ends the complaint intake at any step (bot/complaint-dialogue.ts). */
export const INTAKE_CANCEL = whole("取消|取消吧|算了|不投诉了|不反映了|不用了|退出|不登记了", "i");
/** Yes to an intake question: the inferred category, consent to store a phone number. */
export const INTAKE_YES = whole("是|是的|对|对的|嗯|好|好的|可以|确认|没错|同意|行|ok", "i");
/** No to an intake question; as the contact answer, no phone. */
export const INTAKE_NO = whole("不|不是|否|没有|不对|不同意|不要|不用|不行", "i");
/** Files the read-back as it stands. */
export const INTAKE_CONFIRM = whole("确认提交|确认|提交|没问题|对|对的|是|是的|可以", "i");
/** The citizen does not know (a place, a 苏木乡镇/嘎查村): the slot is skipped. */
export const INTAKE_DONT_KNOW = whole("不知道|不清楚|不确定|跳过|没有|无|不记得", "i");
