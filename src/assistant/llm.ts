/**
 * The optional language-model door: an OpenAI-compatible `/v1/chat/completions` endpoint (llama.cpp,
 * Ollama, vLLM). The model resolves a conversation into the same structured query the offline parser
 * produces (through a tool call) and phrases the reply; Loupe still chooses the items.
 */
import { z } from 'zod';
import { AssistantQuerySchema, type AssistantQuery, type Message } from './types.js';
import { words, type Vocabulary } from './vocabulary.js';

export interface LlmConfig {
  /** Base URL (`http://127.0.0.1:8081`, `.../v1`) or the full chat-completions URL. */
  url: string;
  model: string;
  apiKey?: string | undefined;
  timeoutMs: number;
}

/** The LLM configuration from the environment, or undefined when `LOUPE_LLM_URL` is unset (offline). */
export function llmConfigFromEnv(env: NodeJS.ProcessEnv = process.env): LlmConfig | undefined {
  const url = env.LOUPE_LLM_URL?.trim();
  if (!url) return undefined;
  const timeout = Number(env.LOUPE_LLM_TIMEOUT_MS ?? 20_000);
  return { url, model: env.LOUPE_LLM_MODEL?.trim() || 'default', apiKey: env.LOUPE_LLM_KEY, timeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout : 20_000 };
}

export function chatCompletionsUrl(base: string): string {
  const u = base.replace(/\/+$/, '');
  if (u.endsWith('/chat/completions')) return u;
  return u.endsWith('/v1') ? `${u}/chat/completions` : `${u}/v1/chat/completions`;
}

const ToolCallResponse = z.object({
  choices: z
    .array(
      z.object({
        message: z.object({
          content: z.string().nullish(),
          tool_calls: z.array(z.object({ function: z.object({ name: z.string(), arguments: z.union([z.string(), z.record(z.string(), z.unknown())]) }) })).nullish(),
        }),
      }),
    )
    .min(1),
});

export const SEARCH_TOOL = 'search_catalogue';

/** The tool's parameters: the structured query minus what only Loupe fills in (photo flag, shown items). */
function toolParameters(): Record<string, unknown> {
  return z.toJSONSchema(AssistantQuerySchema.omit({ image: true, exclude: true, soft: true, mapped: true, dropped: true }), { io: 'input' }) as Record<string, unknown>;
}

function vocabularyPrompt(v: Vocabulary): string {
  const attrs = v.attributes.map((a) => (a.kind === 'category' ? `${a.name} (one of: ${a.values.slice(0, 40).join(', ')})` : `${a.name} (${a.kind})`));
  return [
    'You are the shopping assistant of an image catalogue. Turn the conversation into one call of the search tool.',
    `Labels (use these exact spellings in labels/notLabels): ${v.labels.slice(0, 300).join(', ') || '(none)'}.`,
    v.groups.length ? `Groups: ${v.groups.slice(0, 50).join(', ')}${v.groups.length > 50 ? ', ...' : ''}.` : '',
    `Attributes for attrs constraints: ${attrs.join('; ') || '(none)'}.`,
    'Put any other descriptive words in text. For "more like the Nth one", put that item id in like.',
  ]
    .filter(Boolean)
    .join('\n');
}

function chatMessages(messages: readonly Message[]): { role: string; content: string }[] {
  return messages.map((m) =>
    m.role === 'user' ? { role: 'user', content: m.content } : { role: 'assistant', content: `${m.content}\n(shown, in order: ${m.items.map((id, i) => `${i + 1}=${id}`).join(', ') || 'nothing'})` },
  );
}

export class LlmClient {
  constructor(readonly config: LlmConfig) {}

  private async complete(body: Record<string, unknown>): Promise<z.infer<typeof ToolCallResponse>> {
    const res = await fetch(chatCompletionsUrl(this.config.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(this.config.apiKey ? { authorization: `Bearer ${this.config.apiKey}` } : {}) },
      body: JSON.stringify({ model: this.config.model, temperature: 0, ...body }),
      signal: AbortSignal.timeout(this.config.timeoutMs),
    });
    if (!res.ok) throw new Error(`LLM endpoint answered ${res.status}`);
    return ToolCallResponse.parse(await res.json());
  }

  /** The model's tool call as a structured query, restricted to the catalogue's vocabulary. */
  async resolve(messages: readonly Message[], vocab: Vocabulary): Promise<AssistantQuery> {
    const out = await this.complete({
      messages: [{ role: 'system', content: vocabularyPrompt(vocab) }, ...chatMessages(messages)],
      tools: [{ type: 'function', function: { name: SEARCH_TOOL, description: 'Search the catalogue with a structured query', parameters: toolParameters() } }],
      tool_choice: { type: 'function', function: { name: SEARCH_TOOL } },
    });
    const call = out.choices[0]!.message.tool_calls?.find((c) => c.function.name === SEARCH_TOOL);
    if (!call) throw new Error('the model made no search call');
    const args: unknown = typeof call.function.arguments === 'string' ? JSON.parse(call.function.arguments) : call.function.arguments;
    return AssistantQuerySchema.parse(args);
  }

  /** A short reply phrased by the model from the query and the items Loupe chose. */
  async phrase(messages: readonly Message[], query: AssistantQuery, items: readonly { id: string; reason: string }[]): Promise<string> {
    const out = await this.complete({
      messages: [
        { role: 'system', content: 'You are a shopping assistant. In one to three sentences, present the items found for the request. Mention only these items; do not invent any.' },
        ...chatMessages(messages),
        { role: 'user', content: JSON.stringify({ query, items }) },
      ],
    });
    const text = out.choices[0]!.message.content?.trim();
    if (!text) throw new Error('the model returned an empty reply');
    return text.slice(0, 2000);
  }
}

/**
 * Keeps only what the catalogue knows: labels, groups and attributes in the vocabulary, ids among
 * those shown, free words the user wrote. Whatever else a model (or a prompt injection) puts in its
 * tool call, e.g. its system prompt as `text`, never reaches the items or their reasons.
 */
export function groundQuery(q: AssistantQuery, vocab: Vocabulary, shownIds: ReadonlySet<string>, userText = ''): AssistantQuery {
  const userWords = new Set(words(userText));
  const byLower = (list: readonly string[]) => new Map(list.map((x) => [x.toLowerCase(), x]));
  const labels = byLower(vocab.labels);
  const groups = byLower(vocab.groups);
  const known = (m: Map<string, string>, xs: readonly string[]) => [...new Set(xs.map((x) => m.get(x.toLowerCase())).filter((x): x is string => x !== undefined))];
  const attrs = new Map(vocab.attributes.map((a) => [a.name.toLowerCase(), a]));
  return {
    ...q,
    labels: known(labels, q.labels),
    notLabels: known(labels, q.notLabels),
    groups: known(groups, q.groups),
    notGroups: known(groups, q.notGroups),
    attrs: q.attrs.flatMap((c) => {
      const a = attrs.get(c.attr.toLowerCase());
      if (!a) return [];
      if (a.kind === 'number' && typeof c.value !== 'number') return [];
      return [{ ...c, attr: a.name }];
    }),
    like: q.like.filter((id) => shownIds.has(id)),
    soft: known(labels, q.soft),
    text: q.text
      .split(/\s+/)
      .filter((w) => w && words(w).every((t) => userWords.has(t)))
      .join(' '),
    mapped: [],
    dropped: [],
  };
}
