/**
 * What a citizen reads about their 普法 subscriptions (part of the bot's message catalogue, spread into
 * `messages`). The consent sentence is stored word for word with each subscription (PIPL art. 14): change it
 * here and new consents record the new wording, old ones keep theirs.
 */
import type { Button } from "../handoff/reply.js";

const list = (names: readonly string[]) => names.map((n) => `「${n}」`).join("、");

export const SUBSCRIBE_WORD = "订阅";
export const UNSUBSCRIBE_WORD = "退订";
export const PLACE_WORD = "订阅地区";
export const WHOLE_REGION = "全区";

export const subscriptionMessages = {
  /** What the citizen agrees to: what is kept, what for, how often at most, how to stop. */
  subscriptionConsent: (names: readonly string[]) =>
    `你同意接收${list(names)}方面的普法推送。我们只保存你订阅的主题、所在地区和订阅时间，仅用于给你推送普法内容；默认每周最多 3 条、晚 9 点到早 8 点不发送。回复「退订」随时取消，也可以只退订某个主题，比如「退订 ${names[0] ?? "劳动就业"}」。`,
  subscribedTo: (added: readonly string[], consent: string) => `已订阅：${list(added)}。\n${consent}`,
  alreadySubscribedTo: (names: readonly string[]) =>
    `你已经订阅过${list(names)}了。回复「退订」可以取消全部，或「退订 ${names[0] ?? ""}」只退这一项。`,
  subscriptionMenu: (current: readonly string[], where: string | undefined) =>
    current.length > 0
      ? `你已订阅：${list(current)}${where ? `（地区：${where}）` : ""}。\n点下面的主题可以再订阅，回复「退订」取消全部，「订阅地区」加地名可修改地区。`
      : "想接收哪方面的普法内容？点下面的主题就能订阅（可以订阅多个），也可以直接回复，比如「订阅 劳动」。",
  unknownTopic: (words: readonly string[], all: readonly string[]) =>
    `没有${list(words)}这个主题。可以订阅的主题有：${all.join("、")}。点下面的按钮也可以。`,
  askPlace:
    "为了给你推送和当地有关的内容，请告诉我你在哪个盟市（也可以写旗县区，比如「土默特左旗」）。不想说也没关系，点「全区」就行。以后可以回复「订阅地区」加地名修改。",
  placeSet: (where: string) =>
    `好的，地区已设为：${where}。想修改，随时回复「订阅地区」加地名，比如「订阅地区 包头市」。`,
  placeWholeRegion:
    "好的，你会收到面向全区的普法内容。想改成某个盟市，回复「订阅地区」加地名，比如「订阅地区 赤峰市」。",
  placeUnknown:
    "没有找到这个地名。请写盟市或旗县区的名称，比如「订阅地区 赤峰市」「订阅地区 土默特左旗」，或回复「订阅地区 全区」。",
  /** The wording recorded when a place is set (what the citizen is told is kept). */
  placeConsent: (where: string) => `同意以「${where}」作为接收普法推送的地区。`,
  unsubscribedFrom: (removed: readonly string[], left: readonly string[]) =>
    `已退订：${list(removed)}。${left.length > 0 ? `你仍订阅：${list(left)}，回复「退订」可全部取消。` : "你已不再接收任何普法推送。"}`,
  unsubscribedAll: "已退订全部普法推送，不会再给你发送。想再订阅，回复「订阅」。",
  notSubscribedTo: (names: readonly string[], current: readonly string[]) =>
    `你没有订阅${list(names)}。${current.length > 0 ? `你目前订阅的是：${list(current)}。` : ""}`,
  notSubscribed: "你目前没有订阅普法内容。想订阅，回复「订阅」。",
  subscriptionsUnavailable: "这里暂时不能订阅普法推送。",
  /** The wording recorded for a withdrawal. */
  unsubscribeRecord: (names: readonly string[]) => `退订${list(names)}`,
};

export const topicButtons = (names: readonly string[]): Button[] =>
  names.map((n) => ({ label: n, payload: `${SUBSCRIBE_WORD} ${n}` }));

export const placeButtons = (leagues: readonly string[]): Button[] => [
  ...leagues.map((l) => ({ label: l, payload: `${PLACE_WORD} ${l}` })),
  { label: WHOLE_REGION, payload: `${PLACE_WORD} ${WHOLE_REGION}` },
];
