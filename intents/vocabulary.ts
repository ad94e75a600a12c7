/**
 * Every word some understanding stage knows (the intent model's word features, the knowledge base's index terms,
 * place names), interned as small integers.
 *
 * Why: each stage used to look every word of a message up in a hash map of its own. Looking up a fresh string
 * from jieba in a map of thousands of strings misses the cache two or three times (bucket, entry, key text), and
 * inside the whole pipeline those misses cost more than the stages' arithmetic. Now a message's words are looked
 * up once, here, and each stage indexes a compact array of its own by the id.
 *
 * Ids are only meaningful with the vocabulary that issued them: a stage handed tokens of another vocabulary (a test
 * wiring parts by hand) looks the words up in its own instead of trusting the ids.
 */
export class Vocabulary {
  private readonly ids = new Map<string, number>();

  /** How many words are known; ids run from 0 to size - 1. */
  get size(): number {
    return this.ids.size;
  }

  /** The word's id, adding the word if new. For building stages only: what they know is finite. */
  add(word: string): number {
    let id = this.ids.get(word);
    if (id === undefined) {
      id = this.ids.size;
      this.ids.set(word, id);
    }
    return id;
  }

  /** The word's id, or -1 when no stage knows it. */
  idOf(word: string): number {
    return this.ids.get(word) ?? -1;
  }

  tokens(words: readonly string[]): Tokens {
    const ids = new Int32Array(words.length);
    for (let i = 0; i < words.length; i++) ids[i] = this.ids.get(words[i] as string) ?? -1;
    return { words, ids, vocabulary: this };
  }
}

/** A message's words as the segmenter cut them, with their ids in `vocabulary` (-1: known to no stage). */
export interface Tokens {
  readonly words: readonly string[];
  readonly ids: Int32Array;
  readonly vocabulary: Vocabulary;
}

/**
 * The id of word `i` of `tokens` in `vocabulary`: the id already there when the tokens came from it, else a look-up.
 */
export function idIn(vocabulary: Vocabulary, tokens: Tokens, i: number): number {
  return tokens.vocabulary === vocabulary
    ? (tokens.ids[i] as number)
    : vocabulary.idOf(tokens.words[i] as string);
}
