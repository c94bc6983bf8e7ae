import { Hono } from 'hono';
import { uploadLimit } from '../upload-limit.js';
import { LlmClient, llmConfigFromEnv } from '../../assistant/llm.js';
import { AssistantRequestSchema, conversationOf, decodeImageField } from '../../assistant/request.js';
import { askAssistant } from '../../app/assistant.js';
import { LoupeError } from '../../errors.js';
import { tasteService } from '../../app/feed.js';
import { getItems } from '../../store/item-views.js';
import type { AppServices } from '../../app/context.js';
import type { RouteDoc } from '../openapi.js';

export const assistantDocs: RouteDoc[] = [
  {
    method: 'post',
    path: '/api/assistant',
    summary: 'Shopping assistant: a conversation in, a reply with items and a reason for each out (offline parser; optional LLM via LOUPE_LLM_URL)',
    body: {
      contentType: 'application/json',
      description: 'messages (user and assistant turns; assistant turns carry the item ids they showed) or message; optional user, k, version, image (base64), expand',
      schema: AssistantRequestSchema,
    },
    response: '{reply, query, version, mode, note?, items:[{id, score, reason, item?}]}',
  },
];

export function assistantRoutes(s: AppServices): Hono {
  const app = new Hono();
  // A base64 photo is 4/3 of its bytes, plus room for the conversation.
  const maxBody = Math.ceil(s.limits.uploadBytes * 1.4) + 200_000;
  app.post('/assistant', uploadLimit(maxBody, `request over the ${Math.round(maxBody / 1e6)} MB limit`), async (c) => {
    let raw: unknown;
    try {
      raw = JSON.parse(await c.req.text());
    } catch (err) {
      throw new LoupeError('bad_request', `malformed JSON: ${(err as Error).message}`);
    }
    const body = AssistantRequestSchema.parse(raw);
    const image = decodeImageField(body.image);
    if (image && 'error' in image) throw new LoupeError('bad_request', image.error);
    if (image && image.length > s.limits.uploadBytes) throw new LoupeError('too_large', `photo over the ${Math.round(s.limits.uploadBytes / 1e6)} MB limit`);
    const config = llmConfigFromEnv();
    const reply = await askAssistant(
      { db: s.db, paths: s.paths, indexes: s.indexes, encoders: s.encoders, taste: tasteService(s), llm: config ? new LlmClient(config) : undefined },
      { messages: conversationOf(body), image, user: body.user, k: body.k, version: body.version, maxPixels: s.limits.maxPixels },
    );
    if (!body.expand) return c.json(reply);
    const views = await getItems(
      s.db,
      reply.items.map((i) => i.id),
    );
    return c.json({ ...reply, items: reply.items.map((i) => ({ ...i, item: views.get(i.id) ?? null })) });
  });
  return app;
}
