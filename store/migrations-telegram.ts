import type { Migration } from "./migrations.js";

/** Tables owned by the telegram module; versions 400-499 are reserved for it so features can evolve independently. */
export const TELEGRAM_MIGRATIONS: readonly Migration[] = [];
