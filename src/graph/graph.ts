/**
 * The taste graph: items, users and groups (boards, rooms, outfits) as nodes; weighted undirected
 * edges user-item (summed event weights) and item-group. Grows in place as events arrive.
 */
export type NodeKind = 'item' | 'user' | 'group';

const PREFIX: Record<NodeKind, string> = { item: 'i', user: 'u', group: 'g' };
const KIND: Record<string, NodeKind> = { i: 'item', u: 'user', g: 'group' };
/** Node ids stay below this, so an ordered pair packs into one safe integer. */
const MAX_NODES = 2 ** 26;

export class TasteGraph {
  private readonly keys: string[] = [];
  private readonly index = new Map<string, number>();
  private readonly adj: number[][] = [];
  private readonly wts: number[][] = [];
  private readonly pos = new Map<number, number>();
  /** Largest edge weight at each node: weights only grow, so it is kept exact on every link. */
  private readonly maxW: number[] = [];
  private edgeCount = 0;
  /** Bumped on every change, so callers can tell a cached derivative is stale. */
  revision = 0;

  get nodeCount(): number {
    return this.keys.length;
  }

  get edges(): number {
    return this.edgeCount;
  }

  /** The node of (kind, id), or -1. */
  find(kind: NodeKind, id: string): number {
    return this.index.get(`${PREFIX[kind]}:${id}`) ?? -1;
  }

  node(kind: NodeKind, id: string): number {
    const key = `${PREFIX[kind]}:${id}`;
    let n = this.index.get(key);
    if (n === undefined) {
      n = this.keys.length;
      if (n >= MAX_NODES) throw new Error('taste graph is full');
      this.keys.push(key);
      this.index.set(key, n);
      this.adj.push([]);
      this.wts.push([]);
      this.maxW.push(0);
    }
    return n;
  }

  kind(n: number): NodeKind {
    return KIND[this.keys[n]![0]!]!;
  }

  id(n: number): string {
    return this.keys[n]!.slice(2);
  }

  neighbours(n: number): readonly number[] {
    return this.adj[n] ?? [];
  }

  weights(n: number): readonly number[] {
    return this.wts[n] ?? [];
  }

  /** The largest weight of any edge at `n` (0 without edges). */
  maxWeight(n: number): number {
    return this.maxW[n] ?? 0;
  }

  degree(n: number): number {
    return this.adj[n]?.length ?? 0;
  }

  weight(a: number, b: number): number {
    const p = this.pos.get(a * MAX_NODES + b);
    return p === undefined ? 0 : this.wts[a]![p]!;
  }

  /** Position of b in a's neighbour list, or -1. */
  slot(a: number, b: number): number {
    return this.pos.get(a * MAX_NODES + b) ?? -1;
  }

  /** Adds `w` to the edge a-b (creating it). */
  link(a: number, b: number, w: number): void {
    if (a === b || !(w > 0)) return;
    this.half(a, b, w);
    if (this.half(b, a, w)) this.edgeCount++;
    this.revision++;
  }

  private half(a: number, b: number, w: number): boolean {
    const key = a * MAX_NODES + b;
    const p = this.pos.get(key);
    if (p !== undefined) {
      const sum = (this.wts[a]![p]! += w);
      if (sum > this.maxW[a]!) this.maxW[a] = sum;
      return false;
    }
    this.pos.set(key, this.adj[a]!.length);
    this.adj[a]!.push(b);
    this.wts[a]!.push(w);
    if (w > this.maxW[a]!) this.maxW[a] = w;
    return true;
  }

  addEngagement(user: string, item: string, w: number): void {
    this.link(this.node('user', user), this.node('item', item), w);
  }

  addMembership(item: string, group: string, w = 1): void {
    this.link(this.node('item', item), this.node('group', group), w);
  }

  /** Items linked to a user node (what they engaged with). */
  itemsOf(user: string): string[] {
    const u = this.find('user', user);
    return u < 0 ? [] : this.neighbours(u).map((n) => this.id(n));
  }
}
