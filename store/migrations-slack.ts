import type { Migration } from "./migrations.js";

/** Tables owned by the slack module; versions 500-599 are reserved for it so features can evolve independently. */
export const SLACK_MIGRATIONS: readonly Migration[] = [];
