import type { ItemView } from './types';

/** One turn of the conversation as the assistant API takes it back (assistant turns carry their item ids). */
export type ChatMessage = { role: 'user'; content: string } | { role: 'assistant'; content: string; items: string[]; image?: boolean };

export interface AssistantItem {
  id: string;
  score: number;
  reason: string;
  item?: ItemView | null;
}

export interface AssistantReply {
  reply: string;
  mode: 'offline' | 'llm';
  version: string;
  note?: string;
  items: AssistantItem[];
}

async function asBase64(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** POST /api/assistant with the whole conversation (the server keeps no state). */
export async function askAssistant(messages: ChatMessage[], opts: { image?: File | null; user?: string; k?: number; signal?: AbortSignal }): Promise<AssistantReply> {
  const body = {
    messages,
    expand: true,
    k: opts.k ?? 12,
    ...(opts.user ? { user: opts.user } : {}),
    ...(opts.image ? { image: await asBase64(opts.image) } : {}),
  };
  const res = await fetch('/api/assistant', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), ...(opts.signal ? { signal: opts.signal } : {}) });
  const json = (await res.json().catch(() => undefined)) as (AssistantReply & { error?: { message?: string } }) | undefined;
  if (!res.ok || !json) throw new Error(json?.error?.message ?? `${res.status} ${res.statusText || 'request failed'}`);
  return json;
}
