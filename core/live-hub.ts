/**
 * In-process fan-out of live events (a staff reply to a citizen's page, a new case to the console). It carries
 * notifications only: every event it sends is already in SQLite, so a client that missed one reloads from there.
 */
export type Listener = (event: LiveEvent) => void;

export interface LiveEvent {
  topic: string;
  type: string;
  data: unknown;
}

export interface LiveHub {
  publish(topic: string, type: string, data: unknown): void;
  subscribe(topic: string, listener: Listener): () => void;
  listeners(topic: string): number;
}

/** A citizen's own web conversation: staff replies and reminders reach their open page on this topic. */
export const conversationTopic = (id: string) => `conversation:${id}`;

export function createLiveHub(): LiveHub {
  const topics = new Map<string, Set<Listener>>();
  return {
    publish(topic, type, data) {
      for (const l of topics.get(topic) ?? []) {
        try {
          l({ topic, type, data });
        } catch {
          // One broken stream must not stop the others.
        }
      }
    },
    subscribe(topic, listener) {
      const set = topics.get(topic) ?? new Set<Listener>();
      topics.set(topic, set);
      set.add(listener);
      return () => {
        set.delete(listener);
        if (set.size === 0) topics.delete(topic);
      };
    },
    listeners: (topic) => topics.get(topic)?.size ?? 0,
  };
}
