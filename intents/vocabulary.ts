/**
 * Every word some understanding stage knows (the intent model's word features, the knowledge base's index terms,
 * place names), interned as small integers.
 *
 * Why: looking up a fresh string from jieba in a map of thousands of strings misses the cache two or three times
 * (bucket, entry, key text), and across the whole pipeline those misses would cost more than the stages'
 * arithmetic. So a message's words are looked up once, here, and each stage indexes a compact array of its own by
 * the id.
 *
 * Ids are only meaningful with the vocabulary that issued them: a stage handed tokens of another vocabulary (a test
 * wiring parts by hand) looks the words up in its own instead of trusting the ids.
 */
export class Vocabulary {
  /** Open addressing, linear probing: slot → id + 1 (0 empty). Kept at most half full. */
  private slots: Int32Array = new Int32Array(1024);
  /** Each word's UTF-16 code units, one after another; word `id` starts at `start[id]`, ends at `start[id + 1]`. */
  private chars: Uint16Array = new Uint16Array(4096);
  private start: Int32Array = new Int32Array(513);
  private hashes: Uint32Array = new Uint32Array(512);
  private count = 0;

  /** How many words are known; ids run from 0 to size - 1. */
  get size(): number {
    return this.count;
  }

  /** The word's id, adding the word if new. For building stages only: what they know is finite. */
  add(word: string): number {
    const h = hashOf(word);
    const found = this.find(word, h);
    if (found >= 0) return found;
    const id = this.count++;
    if (this.count * 2 > this.slots.length) this.rehash(this.slots.length * 2);
    if (id === this.hashes.length) {
      this.hashes = grown(this.hashes, id * 2);
      this.start = grown(this.start, id * 2 + 1);
    }
    const from = this.start[id] as number;
    if (from + word.length > this.chars.length)
      this.chars = grown(this.chars, Math.max(this.chars.length * 2, from + word.length));
    for (let i = 0; i < word.length; i++) this.chars[from + i] = word.charCodeAt(i);
    this.start[id + 1] = from + word.length;
    this.hashes[id] = h;
    this.place(id, h);
    return id;
  }

  /** The word's id, or -1 when no stage knows it. */
  idOf(word: string): number {
    return this.find(word, hashOf(word));
  }

  tokens(words: readonly string[]): Tokens {
    const ids = new Int32Array(words.length);
    for (let i = 0; i < words.length; i++) {
      const w = words[i] as string;
      ids[i] = this.find(w, hashOf(w));
    }
    return { words, ids, vocabulary: this, size: this.count };
  }

  private find(word: string, h: number): number {
    const { slots, chars, start, hashes } = this;
    const mask = slots.length - 1;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const id = (slots[s] as number) - 1;
      if (id < 0) return -1;
      if (hashes[id] !== h) continue;
      const from = start[id] as number;
      if ((start[id + 1] as number) - from !== word.length) continue;
      let i = 0;
      while (i < word.length && chars[from + i] === word.charCodeAt(i)) i++;
      if (i === word.length) return id;
    }
  }

  private place(id: number, h: number): void {
    const mask = this.slots.length - 1;
    let s = h & mask;
    while (this.slots[s] !== 0) s = (s + 1) & mask;
    this.slots[s] = id + 1;
  }

  private rehash(size: number): void {
    this.slots = new Int32Array(size);
    for (let id = 0; id < this.count - 1; id++) this.place(id, this.hashes[id] as number);
  }
}

/** FNV-1a over UTF-16 code units, finished with a multiply so that short words spread over the table. */
function hashOf(word: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), 0x01000193);
  return Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0;
}

function grown<T extends Int32Array | Uint32Array | Uint16Array>(a: T, size: number): T {
  const b = new (a.constructor as new (n: number) => T)(size);
  b.set(a);
  return b;
}

/** A message's words as the segmenter cut them, with their ids in `vocabulary` (-1: known to no stage). */
export interface Tokens {
  readonly words: readonly string[];
  readonly ids: Int32Array;
  readonly vocabulary: Vocabulary;
  /** The vocabulary's size when these ids were looked up: a -1 then may be a word added since. */
  readonly size: number;
}

/**
 * The id of word `i` of `tokens` in `vocabulary`: the id already there when the tokens came from it (and, for a
 * word it did not know, it has not grown since), else a look-up.
 */
export function idIn(vocabulary: Vocabulary, tokens: Tokens, i: number): number {
  if (tokens.vocabulary === vocabulary) {
    const id = tokens.ids[i] as number;
    if (id >= 0 || tokens.size === vocabulary.size) return id;
  }
  return vocabulary.idOf(tokens.words[i] as string);
}
