import { runCommand, type Command } from './command.js';
import { loadCommand, loadCommands } from './commands.js';

function mainHelp(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 2;
  return [
    'loupe — self-hosted visual discovery: own your image embeddings, serve from precomputed vectors.',
    '',
    'Usage: loupe <command> [options]      (loupe <command> --help for its options)',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'Global options: --data DIR (env LOUPE_DATA), --db postgres://... (env LOUPE_DB), --json, --help',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  if (!verb || verb === '--help' || verb === '-h' || verb === 'help') {
    process.stdout.write(mainHelp(await loadCommands()) + '\n');
    return verb ? 0 : 2;
  }
  if (verb === '--version') {
    process.stdout.write('loupe 0.1.0\n');
    return 0;
  }
  const cmd = await loadCommand(verb);
  if (!cmd) {
    process.stderr.write(`loupe: unknown command '${verb}'\n\n${mainHelp(await loadCommands())}\n`);
    return 2;
  }
  return runCommand(cmd, rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`loupe: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  },
);
