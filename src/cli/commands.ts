import type { Command } from './command.js';

/**
 * Every CLI verb, in the order `loupe --help` lists them. One module per verb, imported only when
 * that verb runs: a verb pays for its own dependencies (tfjs, vega, the encoders...), not all of them.
 */
const VERBS: readonly (readonly [string, () => Promise<Command>])[] = [
  ['ingest', async () => (await import('./ingest.js')).ingestCommand],
  ['encode', async () => (await import('./encode.js')).encodeCommand],
  ['import-vectors', async () => (await import('./import-vectors.js')).importVectorsCommand],
  ['train', async () => (await import('./train.js')).trainCommand],
  ['promote', async () => (await import('./promote.js')).promoteCommand],
  ['eval', async () => (await import('./eval.js')).evalCommand],
  ['report', async () => (await import('./report.js')).reportCommand],
  ['quality', async () => (await import('./quality.js')).qualityCommand],
  ['index', async () => (await import('./index-cmd.js')).indexCommand],
  ['similar', async () => (await import('./similar.js')).similarCommand],
  ['complete', async () => (await import('./complete.js')).completeCommand],
  ['search', async () => (await import('./search.js')).searchCommand],
  ['ask', async () => (await import('./ask.js')).askCommand],
  ['lexicon', async () => (await import('./lexicon.js')).lexiconCommand],
  ['tag', async () => (await import('./tag.js')).tagCommand],
  ['events', async () => (await import('./events.js')).eventsCommand],
  ['feed', async () => (await import('./feed.js')).feedCommand],
  ['versions', async () => (await import('./versions.js')).versionsCommand],
  ['serve', async () => (await import('./serve.js')).serveCommand],
  ['demo', async () => (await import('./demo.js')).demoCommand],
  ['export', async () => (await import('./export.js')).exportCommand],
  ['import', async () => (await import('./import.js')).importCommand],
  ['worker', async () => (await import('./worker.js')).workerCommand],
];

/** The command named `name`, or undefined for an unknown verb. */
export async function loadCommand(name: string): Promise<Command | undefined> {
  const entry = VERBS.find(([verb]) => verb === name);
  return entry ? entry[1]() : undefined;
}

/** Every command, for `loupe --help` (loads them all). */
export function loadCommands(): Promise<Command[]> {
  return Promise.all(VERBS.map(([, load]) => load()));
}
