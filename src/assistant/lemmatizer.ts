/**
 * wink-lemmatizer, loaded on first use: its word lists take a few hundred ms of CPU to load, and a
 * server start (or any CLI verb but `ask`) should not pay that before the first request needs it.
 */
import { createRequire } from 'node:module';
import type winkLemmatizer from 'wink-lemmatizer';

type Lemmatizer = typeof winkLemmatizer;
let loaded: Lemmatizer | undefined;

export function lemmatizer(): Lemmatizer {
  return (loaded ??= createRequire(import.meta.url)('wink-lemmatizer') as Lemmatizer);
}
