import type { Command } from './command.js';
import { demoCommand } from './demo.js';
import { encodeCommand } from './encode.js';
import { indexCommand } from './index-cmd.js';
import { ingestCommand } from './ingest.js';
import { searchCommand } from './search.js';
import { serveCommand } from './serve.js';
import { similarCommand } from './similar.js';
import { versionsCommand } from './versions.js';

/** Every CLI verb, in the order `loupe --help` lists them. One module per verb. */
export const COMMANDS: readonly Command[] = [
  ingestCommand,
  encodeCommand,
  indexCommand,
  similarCommand,
  searchCommand,
  versionsCommand,
  serveCommand,
  demoCommand,
];
