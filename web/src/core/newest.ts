// Only the newest answer draws. A screen asks for its list again when a filter changes, a refresh is pressed or a
// change is saved, often before the previous answer has come back, and answers can arrive in any order: the late
// answer to an older question (the unfiltered list asked for on opening) must not replace a newer one.

import type { Life } from "./router";

/** Still worth drawing: this call is the newest of its loader and the screen is still mounted. */
export type Current = () => boolean;

/**
 * A loader's turn counter. Each call of the returned function starts a new turn and gives back its `Current`
 * check; an earlier turn's check turns false as soon as a newer turn starts, or when `life` ends.
 *
 *     const turn = newest(life);
 *     const load = async () => {
 *       const current = turn();
 *       const page = await get(...);
 *       if (!current()) return; // a newer load has started, or the screen was left
 *       list.replaceChildren(...);
 *     };
 */
export function newest(life?: Life): () => Current {
  let started = 0;
  return () => {
    const mine = ++started;
    return () => mine === started && (life?.alive ?? true);
  };
}
