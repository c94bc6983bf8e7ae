import { z } from 'zod';

/** One constraint over an item attribute; `relative: 'shown'` compares against the items shown last. */
export const AttrConstraintSchema = z.object({
  attr: z.string().min(1).max(128),
  op: z.enum(['lt', 'lte', 'gt', 'gte', 'eq', 'neq']),
  value: z.union([z.number(), z.string().max(200), z.boolean()]),
  relative: z.literal('shown').optional(),
});
export type AttrConstraint = z.infer<typeof AttrConstraintSchema>;

/** The structured query a request resolves to: the same shape for the offline parser and an LLM's tool call. */
export const AssistantQuerySchema = z.object({
  /** Free words (not labels or constraints) placed in the embedding space by the text tower. */
  text: z.string().max(500).default(''),
  /** The request came with a photo: it anchors the search. */
  image: z.boolean().default(false),
  /** Any of these labels (catalogue taxonomy). */
  labels: z.array(z.string().max(200)).max(50).default([]),
  notLabels: z.array(z.string().max(200)).max(50).default([]),
  groups: z.array(z.string().max(200)).max(50).default([]),
  notGroups: z.array(z.string().max(200)).max(50).default([]),
  attrs: z.array(AttrConstraintSchema).max(20).default([]),
  /** Item ids to find more like ("more like the second one"). */
  like: z.array(z.string().max(500)).max(50).default([]),
  /** Item ids already shown and not to repeat ("show me more"). */
  exclude: z.array(z.string().max(500)).max(1000).default([]),
  /** Labels a word only probably means (a WordNet hyponym or sibling): ranked first, not filtered on. */
  soft: z.array(z.string().max(200)).max(50).default([]),
  /** How the request's words were mapped onto the catalogue, e.g. `"parka" -> Outwear via WordNet coat`. */
  mapped: z.array(z.string().max(500)).max(50).default([]),
  /** Constraints the catalogue cannot apply, e.g. "under 20" without a price attribute. */
  dropped: z.array(z.string().max(500)).max(20).default([]),
});
export type AssistantQuery = z.infer<typeof AssistantQuerySchema>;

export const UserMessageSchema = z.object({ role: z.literal('user'), content: z.string().trim().min(1).max(2000) });
export const AssistantMessageSchema = z.object({
  role: z.literal('assistant'),
  content: z.string().max(4000).default(''),
  /** The item ids this turn showed, in order: ordinals in follow-ups refer to them. */
  items: z.array(z.string().max(500)).max(200).default([]),
  /** Whether that turn's request came with a photo (a follow-up without one anchors on what was shown). */
  image: z.boolean().optional(),
});
export const MessageSchema = z.discriminatedUnion('role', [UserMessageSchema, AssistantMessageSchema]);
export type Message = z.infer<typeof MessageSchema>;

export function emptyQuery(): AssistantQuery {
  return { text: '', image: false, labels: [], notLabels: [], groups: [], notGroups: [], attrs: [], like: [], exclude: [], soft: [], mapped: [], dropped: [] };
}

export interface AssistantItem {
  id: string;
  score: number;
  reason: string;
}

export interface AssistantReply {
  reply: string;
  query: AssistantQuery;
  version: string;
  /** `offline` (grammar parser) or `llm` (an OpenAI-compatible endpoint resolved the query and phrased the reply). */
  mode: 'offline' | 'llm';
  note?: string;
  items: AssistantItem[];
}
