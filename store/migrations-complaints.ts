import type { Migration } from "./migrations.js";

/** Tables owned by the complaints module; versions 600-699 are reserved for it so features can evolve independently. */
export const COMPLAINTS_MIGRATIONS: readonly Migration[] = [];
