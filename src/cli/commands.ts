import type { Command } from './command.js';

/** Every CLI verb, in the order `loupe --help` lists them. One module per verb. */
export const COMMANDS: readonly Command[] = [];
