/**
 * What citizens can subscribe to: a topic's id (stored), its Chinese name (shown, and what a button sends) and
 * the other words people use for it, so that 「订阅 劳动」 and 「退订 反诈骗」 work as typed.
 */
export interface Topic {
  id: string;
  name: string;
  aliases: readonly string[];
}

export const TOPICS: readonly Topic[] = [
  { id: "labour", name: "劳动就业", aliases: ["劳动", "就业", "工资", "欠薪", "劳动合同", "打工"] },
  { id: "grassland", name: "草原", aliases: ["草原保护", "草原承包", "草畜平衡", "禁牧", "牧区", "草场"] },
  { id: "land", name: "土地", aliases: ["征地", "土地承包", "宅基地", "耕地"] },
  { id: "family", name: "婚姻家庭", aliases: ["婚姻", "家庭", "离婚", "继承", "家暴", "赡养", "抚养"] },
  { id: "social_insurance", name: "社保医保", aliases: ["社保", "医保", "养老保险", "医疗保险", "社会保险"] },
  { id: "consumer", name: "消费维权", aliases: ["消费", "维权", "消费者", "消费者权益"] },
  { id: "anti_fraud", name: "反诈", aliases: ["反诈骗", "防诈骗", "诈骗", "电信诈骗", "防骗"] },
  { id: "mental_health", name: "心理健康", aliases: ["心理", "心理卫生"] },
  { id: "legal_aid", name: "法律援助", aliases: ["法援", "援助", "法律服务"] },
  { id: "national_security", name: "国家安全", aliases: ["国安", "国家安全教育"] },
  { id: "constitution", name: "宪法民法典", aliases: ["宪法", "民法典"] },
];

const byWord = new Map<string, Topic>();
for (const t of TOPICS) for (const w of [t.id, t.name, ...t.aliases]) byWord.set(w.toLowerCase(), t);

export const topicById = (id: string): Topic | undefined => TOPICS.find((t) => t.id === id);

/** A topic from its name, an alias or its id; undefined for anything else. */
export const topicOf = (word: string): Topic | undefined => byWord.get(word.trim().toLowerCase());

/**
 * The topics named in `words` (「劳动 反诈」, 「劳动、反诈」, 「劳动和反诈」), or the words that name none. A single word
 * that is two names run together (「劳动反诈」) is not guessed at: the citizen is shown the list instead.
 */
export function parseTopics(words: string): { topics: Topic[]; unknown: string[] } {
  const parts = words
    .split(/[\s,，、;；/和及]+/u)
    .map((w) => w.trim())
    .filter(Boolean);
  const topics: Topic[] = [];
  const unknown: string[] = [];
  for (const p of parts) {
    const t = topicOf(p);
    if (!t) unknown.push(p);
    else if (!topics.includes(t)) topics.push(t);
  }
  return { topics, unknown };
}

export const topicNames = (ids: readonly string[]): string[] => ids.map((id) => topicById(id)?.name ?? id);
