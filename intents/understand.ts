import type { RetrievalHit, Retriever } from "../knowledge/retrieval.js";
import { type ComplaintReading, readComplaint } from "./complaint-recognizer.js";
import type { CrisisDetector, RiskAssessment } from "./crisis-detector.js";
import type { Entities, EntityExtractor } from "./entities.js";
import type { IntentClassifier, IntentResult } from "./intent-classifier.js";
import type { Normalised, Normaliser } from "./normalise.js";
import type { Segmenter } from "./segmenter.js";
import { META_INTENTS } from "./training-set.js";

export interface Understanding {
  normalised: Normalised;
  words: readonly string[];
  risk: RiskAssessment;
  /** Whether the message reads as a 诉求 (a letter about a matter, asking for something to be done). */
  complaint: ComplaintReading;
  /** False for Mongolian script or mostly non-Chinese text: we must say so rather than guess. */
  readable: boolean;
  intent: IntentResult;
  entities: Entities;
  hits: RetrievalHit[];
  /** The entry to answer with, when retrieval and the classifier agree well enough to answer confidently. */
  answer?: RetrievalHit;
  answerConfidence: number;
}

export interface Nlu {
  understand(raw: string): Understanding;
}

export interface NluParts {
  normalise: Normaliser;
  segmenter: Segmenter;
  detector: CrisisDetector;
  classifier: IntentClassifier;
  retriever: Retriever;
  extractEntities: EntityExtractor;
}

/** Below this the bot says it is not sure instead of answering (tuned on the held-out phrasings, see README). */
export const ANSWER_THRESHOLD = 0.5;
const META = new Set<string>(META_INTENTS);

export function isReadable(n: Normalised): boolean {
  if (n.hasMongolian) return false;
  return n.letters < 4 || n.cjkRatio >= 0.3;
}

export function createNlu(parts: NluParts): Nlu {
  const { normalise, segmenter, detector, classifier, retriever, extractEntities } = parts;
  return {
    understand(raw) {
      const normalised = normalise(raw);
      // Crisis first: graded on every message, whatever else happens to it.
      const risk = detector.assess(normalised.text);
      const readable = isReadable(normalised);
      const complaint = readComplaint(normalised.text);
      const tokens = segmenter.tokens(normalised.text);
      const words = tokens.words;
      const entities = extractEntities(normalised.text, tokens);
      const intent = classifier.classify(normalised.text, tokens);
      const metaIntent = META.has(intent.intent) && !intent.uncertain && intent.intent !== "out_of_scope";
      // A confident greeting, thanks or command needs no search of the knowledge base.
      const hits = readable && !metaIntent ? retriever.search(tokens, intent.probabilityOf) : [];
      const best = hits[0];
      const answerConfidence = best ? 0.5 * best.coverage + 0.5 * intent.probabilityOf(best.entry.topic) : 0;
      const answerable = best !== undefined && !metaIntent && answerConfidence >= ANSWER_THRESHOLD;
      return {
        normalised,
        words,
        risk,
        complaint,
        readable,
        intent,
        entities,
        hits,
        answer: answerable ? best : undefined,
        answerConfidence,
      };
    },
  };
}
