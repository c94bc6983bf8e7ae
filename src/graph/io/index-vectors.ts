import type { IndexRegistry } from '../../index/registry.js';
import type { VectorSource } from '../engine.js';

/** The serving index of a version as a VectorSource; reads whatever the registry holds now. */
export function indexVectors(indexes: IndexRegistry, version: string): VectorSource {
  return {
    vector: (id) => indexes.loaded(version)?.vector(id),
    search: (vec, k, exclude) => {
      const index = indexes.loaded(version);
      if (!index) return [];
      // Over-fetch instead of handing the whole exclusion set to the index (which widens its ef for good).
      const extra = Math.min(exclude?.size ?? 0, k);
      return index
        .search(vec, k + extra)
        .filter((n) => !exclude?.has(n.id))
        .slice(0, k);
    },
    related: (id, k) => indexes.loaded(version)?.related(id, k),
  };
}
