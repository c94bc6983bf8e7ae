/** Disjoint sets over string keys (path halving, union by size): how duplicate pairs become clusters. */
export class UnionFind {
  private readonly parent = new Map<string, string>();
  private readonly size = new Map<string, number>();

  find(x: string): string {
    if (!this.parent.has(x)) {
      this.parent.set(x, x);
      this.size.set(x, 1);
      return x;
    }
    let r = x;
    while (this.parent.get(r) !== r) {
      const up = this.parent.get(this.parent.get(r)!)!;
      this.parent.set(r, up);
      r = up;
    }
    return r;
  }

  union(a: string, b: string): void {
    let ra = this.find(a);
    let rb = this.find(b);
    if (ra === rb) return;
    if (this.size.get(ra)! < this.size.get(rb)!) [ra, rb] = [rb, ra];
    this.parent.set(rb, ra);
    this.size.set(ra, this.size.get(ra)! + this.size.get(rb)!);
  }

  /** Sets with at least `min` members, members sorted, largest set first (ties by first id). */
  groups(min = 2): string[][] {
    const by = new Map<string, string[]>();
    for (const x of this.parent.keys()) {
      const r = this.find(x);
      let g = by.get(r);
      if (!g) by.set(r, (g = []));
      g.push(x);
    }
    return [...by.values()]
      .filter((g) => g.length >= min)
      .map((g) => g.sort())
      .sort((a, b) => b.length - a.length || (a[0]! < b[0]! ? -1 : 1));
  }
}
