/**
 * The condition under which the append-only triggers refuse a change: whenever the erasure gate is closed. Only
 * store/erase.ts opens it, inside its own transaction, to erase a citizen's data.
 */
export const ERASE_GATE_CLOSED = "WHEN NOT EXISTS (SELECT 1 FROM erase_gate WHERE open = 1)";
