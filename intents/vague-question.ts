/**
 * A question made only of the words of asking and of getting things done (在哪申请, 怎么办理, 要带什么材料,
 * 电话多少, 多久能下来): it asks, and names no matter. Every entry holds such words, so one whose phrasings are
 * short covers it whole and would answer it with confidence (在哪申请 was answered with education assistance); it
 * needs its matter asked for instead, or the answer just given to be about (bot/answer-follow-up.ts).
 */
const ASKING_WORDS = (
  "在 哪 哪里 哪儿 哪个 去哪 去 到 找 向 跟 谁 申请 办理 办 弄 整 操作 怎么 怎样 咋 如何 材料 手续 证件 资料 东西 " +
  "电话 联系 联系方式 地址 多少 多久 多长 时间 几天 要 需要 得 带 准备 提供 什么 啥 哪些 能 可以 下来 批 到账 结果 " +
  "流程 程序 费用 钱 收费 收 部门 单位 地方 窗口 交 领 问 咨询 吗 呢 啊 呀 吧 嘛 的 了 我 们 俺 你 这 那 么 请问 有 " +
  "没 是 还 应该 该 给 一下 具体 网上 线上 才 就 都 也 又 再 先 好 谢谢 一 个 些 里 上 下 否 行 不"
).split(" ");
/** The asking words as one pattern, longest first so that 哪里 goes before 哪. */
export const ASKING = new RegExp([...ASKING_WORDS].sort((a, b) => b.length - a.length).join("|"), "gu");
/** Longer than this, a message says more than how to ask. */
const SHORT = 16;

/** A question asks something: 好的 or 谢谢 made of the same words asks nothing. */
const ASKS = /[哪谁啥几吗呢？?]|什么|多少|多久|多长|怎么|怎样|咋|如何|能不能|可不可以|是否|能否/u;

export function isVagueQuestion(text: string): boolean {
  if (text.length > SHORT || !ASKS.test(text)) return false;
  const left = text.replace(ASKING, "");
  return !/[\p{Script=Han}a-z0-9]/u.test(left);
}

/** Which a vague question asks: where to go or whom (在哪申请, 电话多少), or how, what, how long (要带什么材料). */
export function asksWhere(text: string): boolean {
  return /哪|谁|电话|联系|地址|部门|窗口|单位/u.test(text);
}
