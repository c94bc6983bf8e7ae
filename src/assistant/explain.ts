/**
 * Pure parts of answering: attribute checks, relative constraints ("cheaper" than what was shown),
 * the reason for each item, and the offline reply text.
 */
import type { CandidateRow } from '../store/item-filters.js';
import type { AssistantQuery, AttrConstraint } from './types.js';
import { asBoolean, asNumber, phraseTokens } from './vocabulary.js';

function holds(c: AttrConstraint, raw: unknown): boolean {
  if (raw === undefined || raw === null) return c.op === 'neq';
  if (typeof c.value === 'boolean') {
    const b = asBoolean(raw);
    return c.op === 'neq' ? b !== c.value : b === c.value;
  }
  if (typeof c.value === 'number') {
    const n = asNumber(raw);
    if (n === undefined) return false;
    switch (c.op) {
      case 'lt':
        return n < c.value;
      case 'lte':
        return n <= c.value;
      case 'gt':
        return n > c.value;
      case 'gte':
        return n >= c.value;
      case 'eq':
        return n === c.value;
      case 'neq':
        return n !== c.value;
    }
  }
  const same = String(raw).trim().toLowerCase() === String(c.value).trim().toLowerCase();
  return c.op === 'neq' ? !same : c.op === 'eq' ? same : false;
}

/** Whether an item passes every attribute constraint of the query (labels and groups are filtered in SQL). */
export function passesAttrs(row: Pick<CandidateRow, 'attrs'>, attrs: readonly AttrConstraint[]): boolean {
  return attrs.every((c) => holds(c, row.attrs[c.attr]));
}

/**
 * Turns "cheaper"/"pricier" into a bound: below (above) the mean of what was shown. Returns the
 * resolved constraints and the ones that could not be resolved (nothing shown had the attribute).
 */
export function resolveRelative(attrs: readonly AttrConstraint[], shown: readonly Pick<CandidateRow, 'attrs'>[]): { attrs: AttrConstraint[]; unresolved: string[] } {
  const out: AttrConstraint[] = [];
  const unresolved: string[] = [];
  for (const c of attrs) {
    if (c.relative !== 'shown') {
      out.push(c);
      continue;
    }
    const values = shown.map((r) => asNumber(r.attrs[c.attr])).filter((v): v is number => v !== undefined);
    if (!values.length) {
      unresolved.push(c.attr);
      continue;
    }
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    out.push({ attr: c.attr, op: c.op, value: Math.round(mean * 100) / 100 });
  }
  return { attrs: out, unresolved };
}

const OP_WORDS: Record<AttrConstraint['op'], string> = { lt: 'under', lte: 'at most', gt: 'over', gte: 'at least', eq: '=', neq: 'not' };

export function describeConstraint(c: AttrConstraint): string {
  if (typeof c.value === 'boolean') return c.value === (c.op !== 'neq') ? c.attr : `not ${c.attr}`;
  if (typeof c.value === 'number') return `${c.attr} ${OP_WORDS[c.op]} ${c.value}`;
  return c.op === 'neq' ? `not ${c.value}` : `${c.value}`;
}

/** How strongly each signal placed the item, for its reason. */
export interface ScoreParts {
  text?: number;
  image?: number;
  like?: number;
  interest?: { score: number; exemplar: string };
}

/** A short reason naming what matched: labels, attributes, words, the photo, the picked item, an interest. */
export function itemReason(row: CandidateRow, q: AssistantQuery, parts: ScoreParts, likeNames: ReadonlyMap<string, string> = new Map()): string {
  const reasons: string[] = [];
  const labels = row.labels.filter((l) => q.labels.includes(l));
  if (labels.length) reasons.push(`label ${labels.join(', ')}`);
  const soft = row.labels.filter((l) => q.soft.includes(l));
  if (soft.length) reasons.push(`label ${soft.join(', ')} (what your words probably mean)`);
  const groups = row.groups.filter((g) => q.groups.includes(g));
  if (groups.length) reasons.push(`in ${groups.join(', ')}`);
  for (const c of q.attrs) {
    const v = row.attrs[c.attr];
    reasons.push(
      typeof c.value === 'string' ? `${c.attr} ${String(v ?? 'unset')}` : typeof c.value === 'boolean' ? `${c.attr}: ${String(v ?? 'unset')}` : `${c.attr} ${String(v)} (${OP_WORDS[c.op]} ${c.value})`,
    );
  }
  if (q.text) {
    const itemTokens = new Set(phraseTokens([row.title, row.description, ...row.labels, ...Object.values(row.attrs).map(String)].filter(Boolean).join(' ')));
    const hits = q.text.split(/\s+/).filter((w) => phraseTokens(w).every((t) => itemTokens.has(t)));
    if (hits.length) reasons.push(`words "${hits.join(' ')}"`);
    else if (parts.text !== undefined) reasons.push(`close to "${q.text}" (${parts.text.toFixed(2)})`);
  }
  if (parts.image !== undefined) reasons.push(`looks like your photo (${parts.image.toFixed(2)})`);
  if (parts.like !== undefined) {
    const names = q.like.map((id) => likeNames.get(id) ?? id);
    reasons.push(`like ${names.length > 2 ? `${names.length} items you picked` : names.join(' and ')} (${parts.like.toFixed(2)})`);
  }
  if (parts.interest) reasons.push(`fits your interest in ${parts.interest.exemplar}`);
  if (!reasons.length && (q.notLabels.length || q.notGroups.length)) reasons.push(`not ${[...q.notLabels, ...q.notGroups].join(' or ')}`);
  if (reasons.length) return reasons.join(' · ');
  return q.text && !understood(q) ? `text search for "${q.text}"` : 'matches your request';
}

/** Whether anything in the request was mapped onto the catalogue (labels, attributes, a photo, a pick). */
export function understood(q: AssistantQuery): boolean {
  return [q.labels, q.notLabels, q.groups, q.notGroups, q.attrs, q.like, q.soft, q.mapped].some((xs) => xs.length > 0) || q.image;
}

/** What the query asks for, in words. */
export function describeQuery(q: AssistantQuery): string {
  const bits: string[] = [];
  if (q.labels.length) bits.push(q.labels.join(' or '));
  if (q.soft.length) bits.push(`${q.soft.join(' or ')} first`);
  if (q.text) bits.push(`"${q.text}"`);
  if (q.image) bits.push('like your photo');
  if (q.like.length) bits.push(q.like.length === 1 ? 'like the item you picked' : `like the ${q.like.length} items you picked`);
  if (q.groups.length) bits.push(`in ${q.groups.join(' or ')}`);
  for (const c of q.attrs) bits.push(describeConstraint(c));
  if (q.notLabels.length) bits.push(`no ${q.notLabels.join(' or ')}`);
  if (q.notGroups.length) bits.push(`not in ${q.notGroups.join(' or ')}`);
  return bits.join(', ');
}

/** The offline reply: what was understood, what could not be used, and how many items came back. */
export function offlineReply(q: AssistantQuery, found: number, personal: boolean, image = false): string {
  const dropped = q.dropped.length ? ` I could not apply ${q.dropped.join(', ')}.` : '';
  if (q.text && !understood({ ...q, image: q.image || image })) {
    const lead = `I don't know how "${q.text}" maps onto this catalogue's labels or attributes`;
    return found
      ? `${lead}, so these ${found} item${found === 1 ? ' is a' : 's are'} plain text-search result${found === 1 ? '' : 's'} for those words, not matches.${dropped}`
      : `${lead}, and a text search for those words found nothing.${dropped}`;
  }
  const how = q.mapped.length ? ` (${q.mapped.join('; ')})` : '';
  return offlineReplyText(q, found, personal) + how + dropped;
}

function offlineReplyText(q: AssistantQuery, found: number, personal: boolean): string {
  const asked = describeQuery(q);
  if (!found) return asked ? `Nothing in the catalogue matches ${asked}. Try dropping a constraint.` : 'Tell me what you are looking for: a kind of item, a colour, a price, or send a photo.';
  const more = q.exclude.length ? ' more' : '';
  return `Here ${found === 1 ? 'is' : 'are'} ${found}${more} item${found === 1 ? '' : 's'}${asked ? `: ${asked}` : ''}${personal ? ' (ordered with your taste in mind)' : ''}.`;
}
