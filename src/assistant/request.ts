import { z } from 'zod';
import { MessageSchema, type Message } from './types.js';

/** One assistant request, as the API body and the CLI's history file share it. */
export const AssistantRequestSchema = z
  .object({
    /** The conversation so far, oldest first, ending with the user's message. */
    messages: z.array(MessageSchema).min(1).max(50).optional(),
    /** Shorthand for a conversation of one user message. */
    message: z.string().trim().min(1).max(2000).optional(),
    user: z.string().trim().min(1).max(200).optional(),
    k: z.number().int().min(1).max(100).default(12),
    version: z.string().min(1).max(128).optional(),
    /** A photo, base64 (a data: URL is fine). */
    image: z.string().min(1).optional(),
    /** Adds each item's view (title, labels, thumbnail) to the reply. */
    expand: z.boolean().default(false),
  })
  .strict()
  .refine((b) => (b.messages === undefined) !== (b.message === undefined), { message: 'send exactly one of messages or message' })
  .refine((b) => !b.messages || b.messages[b.messages.length - 1]!.role === 'user', { message: 'the last message must be from the user' });
export type AssistantRequest = z.infer<typeof AssistantRequestSchema>;

export function conversationOf(r: Pick<AssistantRequest, 'messages' | 'message'>): Message[] {
  return r.messages ?? [{ role: 'user', content: r.message! }];
}

/** Decodes a base64 photo (optionally a data: URL); undefined for none, an error message for junk. */
export function decodeImageField(field: string | undefined): Uint8Array | undefined | { error: string } {
  if (field === undefined) return undefined;
  const b64 = field.replace(/^data:[^;,]*;base64,/, '').replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(b64) || !b64.length) return { error: 'image must be base64 (or a data: URL)' };
  return new Uint8Array(Buffer.from(b64, 'base64'));
}
