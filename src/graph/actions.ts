import { z } from 'zod';
import { LoupeError } from '../errors.js';

/** How much each kind of engagement counts; any other action needs a weight of its own. */
export type ActionWeights = Readonly<Record<string, number>>;

export const DEFAULT_ACTION_WEIGHTS: ActionWeights = Object.freeze({ view: 0.5, click: 1, save: 3, purchase: 5 });

/** Engagement older by one half-life counts half as much. */
export const DEFAULT_HALF_LIFE_DAYS = 30;
export const DAY_MS = 86_400_000;

export class WeightsError extends LoupeError {
  constructor(message: string) {
    super('bad_request', message);
  }
}

const ACTION = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

/** `purchase=5,save=3,like=2` over the defaults (or over `base`). */
export function parseWeights(spec: string | readonly string[] | undefined, base: ActionWeights = DEFAULT_ACTION_WEIGHTS): ActionWeights {
  const out: Record<string, number> = { ...base };
  const parts = (typeof spec === 'string' ? [spec] : (spec ?? []))
    .flatMap((s) => s.split(','))
    .map((s) => s.trim())
    .filter(Boolean);
  for (const part of parts) {
    const m = /^([^=]+)=(.+)$/.exec(part);
    const action = m?.[1]?.trim().toLowerCase() ?? '';
    const weight = Number(m?.[2]);
    if (!m || !ACTION.test(action)) throw new WeightsError(`bad weight '${part}': expected action=number, e.g. save=3`);
    if (!Number.isFinite(weight) || weight <= 0 || weight > 1000) throw new WeightsError(`weight of '${action}' must be a number in (0, 1000], got '${m[2]}'`);
    out[action] = weight;
  }
  return Object.freeze(out);
}

/** 2^(-age / halfLife): 1 for an event happening now (or in the future), 0.5 one half-life ago. */
export function decay(ageMs: number, halfLifeMs: number): number {
  if (!(halfLifeMs > 0) || !Number.isFinite(halfLifeMs) || ageMs <= 0) return 1;
  return Math.pow(2, -ageMs / halfLifeMs);
}

const PAST: Record<string, string> = { view: 'viewed', click: 'clicked', save: 'saved', purchase: 'bought', like: 'liked', pin: 'pinned', share: 'shared' };

/** For explanations: "you saved", "you bought"; other actions read "you <action>". */
export function pastTense(action: string): string {
  return PAST[action] ?? action;
}

/** One engagement, validated: time as epoch milliseconds. */
export interface TasteEvent {
  user: string;
  item: string;
  action: string;
  weight: number;
  ts: number;
}

const ISO = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const MAX_TS = Date.UTC(9999, 11, 31);

/** ISO-8601 text or epoch milliseconds (number or digits) to epoch ms; undefined when neither. */
export function parseTimestamp(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 && v <= MAX_TS ? Math.round(v) : undefined;
  if (typeof v !== 'string') return undefined;
  const s = v.trim();
  if (/^\d{1,16}(\.\d+)?$/.test(s)) return parseTimestamp(Number(s));
  if (!ISO.test(s)) return undefined;
  const ms = Date.parse(s);
  return Number.isFinite(ms) && ms >= 0 && ms <= MAX_TS ? ms : undefined;
}

const idText = (field: string) =>
  z
    .union([z.string(), z.number()], {
      error: (iss) => (iss.input === undefined || iss.input === null || iss.input === '' ? `missing ${field}` : `${field} must be a string`),
    })
    .transform((v) => String(v).trim())
    .refine((s) => s.length > 0, `missing ${field}`)
    .refine((s) => s.length <= 512, `${field} is longer than 512 characters`);

/** The wire shape of one event (file row or HTTP body); `ts` may be left out only where `now` is given. */
export const EventInputSchema = z.object({
  user: idText('user'),
  item: idText('item'),
  action: z
    .string({ error: (iss) => (iss.input === undefined || iss.input === null ? 'missing action' : 'action must be a string') })
    .transform((s) => s.trim().toLowerCase())
    .refine((s) => s.length > 0, 'missing action'),
  ts: z.union([z.string(), z.number()], { error: 'ts must be ISO-8601 text or epoch milliseconds' }).optional(),
  /** Overrides the action's weight for this one event. */
  weight: z
    .union(
      [
        z.number(),
        z
          .string()
          .trim()
          .regex(/^\d*\.?\d+$/, 'weight must be a number')
          .transform(Number),
        z.literal(''),
      ],
      { error: 'weight must be a number' },
    )
    .transform((w) => (w === '' ? undefined : w))
    .refine((w) => w === undefined || (w > 0 && w <= 1000), 'weight must be in (0, 1000]')
    .optional(),
});

/** Validates one event against the action weights; a string is the reason it was refused. */
export function toTasteEvent(raw: unknown, weights: ActionWeights, now?: number): TasteEvent | string {
  const parsed = EventInputSchema.safeParse(raw);
  if (!parsed.success) return parsed.error.issues.map((i) => (i.path.length && !i.message.includes(String(i.path[0])) ? `${String(i.path[0])}: ${i.message}` : i.message)).join('; ');
  const { user, item, action } = parsed.data;
  const weight = parsed.data.weight ?? weights[action];
  if (weight === undefined) return `unknown action '${action}': give it a weight (e.g. --weights ${action}=2)`;
  let ts: number | undefined;
  if (parsed.data.ts === undefined || parsed.data.ts === '') {
    if (now === undefined) return 'missing ts';
    ts = now;
  } else {
    ts = parseTimestamp(parsed.data.ts);
    if (ts === undefined) return `bad ts '${String(parsed.data.ts)}': expected ISO-8601 or epoch milliseconds`;
  }
  return { user, item, action, weight, ts };
}
