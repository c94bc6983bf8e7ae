import { z } from 'zod';
import { LlmClient, llmConfigFromEnv } from '../assistant/llm.js';
import { askAssistant } from '../app/assistant.js';
import { MessageSchema, type Message } from '../assistant/types.js';
import { tasteService } from '../app/feed.js';
import { EncoderPool } from '../vision/encoder-pool.js';
import { intOption, readArgFile, UsageError, type Command } from './command.js';
import { withStore } from './open.js';

const HistoryFile = z.union([z.array(MessageSchema).max(50), z.object({ messages: z.array(MessageSchema).max(50) }).transform((h) => h.messages)]);

function readHistory(file: string | undefined): Message[] {
  if (!file) return [];
  let raw: unknown;
  try {
    raw = JSON.parse(readArgFile(file).toString('utf8'));
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`--history ${file} is not JSON: ${(err as Error).message}`);
  }
  const parsed = HistoryFile.safeParse(raw);
  if (!parsed.success) throw new UsageError(`--history ${file}: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

export const askCommand: Command = {
  name: 'ask',
  summary: 'Ask the shopping assistant: words (and a photo) in, items with a reason each out',
  usage: 'loupe ask "a blue dress under 50, not for kids" [--image FILE] [--user U] [--history FILE] [-k 12] [--version NAME]',
  options: {
    image: { type: 'string', value: 'FILE', description: 'a photo to search with, besides the words' },
    user: { type: 'string', value: 'U', description: "personalise with this user's taste graph" },
    history: { type: 'string', value: 'FILE', description: 'earlier turns as JSON: [{role:"user",content},{role:"assistant",content,items:[ids]}]' },
    k: { type: 'string', short: 'k', value: 'N', description: 'how many items (default 12)' },
    version: { type: 'string', value: 'NAME', description: 'embedding version (default: the promoted one)' },
  },
  async run(ctx, values, positionals) {
    const text = positionals.join(' ').trim();
    if (!text) throw new UsageError('say what you are looking for, e.g. loupe ask "a red dress"');
    if (text.length > 2000) throw new UsageError('the message is over 2000 characters');
    const k = intOption(values, 'k', 12, 1, 100);
    const history = readHistory(values.history as string | undefined);
    const file = values.image as string | undefined;
    const image = file ? new Uint8Array(readArgFile(file)) : undefined;
    const user = (values.user as string | undefined)?.trim() || undefined;
    const messages: Message[] = [...history, { role: 'user', content: text }];
    return withStore(ctx, async ({ db, paths, indexes }) => {
      const encoders = new EncoderPool(paths);
      try {
        const config = llmConfigFromEnv();
        const res = await askAssistant(
          { db, paths, indexes, encoders, taste: tasteService({ db, indexes }), llm: config ? new LlmClient(config) : undefined },
          { messages, image, user, k, version: values.version as string | undefined },
        );
        const lines = [res.reply, ...(res.note ? [`(${res.note})`] : []), ...res.items.map((it, i) => `${String(i + 1).padStart(3)}. ${it.id}  ${it.score.toFixed(3)}  ${it.reason}`)];
        ctx.print(res, lines.join('\n'));
        return 0;
      } finally {
        await encoders.close();
      }
    });
  },
};
