import { askCommand } from './ask.js';
import type { Command } from './command.js';
import { completeCommand } from './complete.js';
import { demoCommand } from './demo.js';
import { encodeCommand } from './encode.js';
import { evalCommand } from './eval.js';
import { exportCommand } from './export.js';
import { eventsCommand } from './events.js';
import { feedCommand } from './feed.js';
import { indexCommand } from './index-cmd.js';
import { promoteCommand } from './promote.js';
import { qualityCommand } from './quality.js';
import { reportCommand } from './report.js';
import { trainCommand } from './train.js';
import { importCommand } from './import.js';
import { ingestCommand } from './ingest.js';
import { lexiconCommand } from './lexicon.js';
import { searchCommand } from './search.js';
import { serveCommand } from './serve.js';
import { similarCommand } from './similar.js';
import { tagCommand } from './tag.js';
import { versionsCommand } from './versions.js';
import { workerCommand } from './worker.js';

/** Every CLI verb, in the order `loupe --help` lists them. One module per verb. */
export const COMMANDS: readonly Command[] = [
  ingestCommand,
  encodeCommand,
  trainCommand,
  promoteCommand,
  evalCommand,
  reportCommand,
  qualityCommand,
  indexCommand,
  similarCommand,
  completeCommand,
  searchCommand,
  askCommand,
  lexiconCommand,
  tagCommand,
  eventsCommand,
  feedCommand,
  versionsCommand,
  serveCommand,
  demoCommand,
  exportCommand,
  importCommand,
  workerCommand,
];
