import { parseVectorSql, type Queryable } from './db.js';
import { ident } from './dump-schema.js';
import { encodeCopyRows, type CopyRow } from './vector-copy.js';

/** Rows per statement when rows travel as JSON: a page of 1792-d vectors is ~10 MB of JSON. */
const JSON_PAGE = 500;
/** Rows per binary COPY: vectors travel as float4, a page of 1792-d vectors is ~14 MB. */
const COPY_PAGE = 2_000;

/**
 * Writes the rows of one table section of a dump. Rows go in as JSON (`json_populate_record` does
 * every type's conversion, so a dump of an older schema loads the same way on both databases),
 * except vectors on PGlite: its vector text parser (wasm libc strtof, about 1.5 µs a float) was
 * half of a 100k-item import (`node --cpu-prof`), so vector columns are parsed here and sent beside
 * the row's JSON as binary COPY (`npm run bench -- scale-rest`).
 */
export class SectionLoad {
  /** Rows to gather before `flush`. */
  readonly page: number;
  private readonly vectorAt: number[];
  private readonly binary: boolean;
  private rows: unknown[][] = [];
  private staged: CopyRow[] = [];
  private stageMade = false;

  constructor(
    private readonly tx: Queryable,
    private readonly table: string,
    readonly columns: readonly string[],
    vectorColumns: readonly string[],
  ) {
    this.vectorAt = columns.flatMap((c, i) => (vectorColumns.includes(c) ? [i] : []));
    this.binary = Boolean(tx.copyFromBlob) && this.vectorAt.length > 0;
    this.page = this.binary ? COPY_PAGE : JSON_PAGE;
  }

  get pending(): number {
    return this.binary ? this.staged.length : this.rows.length;
  }

  /** Takes one row (values in the section's column order); throws a message naming the column when a vector is not one. */
  add(row: unknown[]): void {
    if (!this.binary) {
      this.rows.push(row);
      return;
    }
    const doc: Record<string, unknown> = {};
    const vecs: (Float32Array | null)[] = [];
    row.forEach((value, i) => {
      if (this.vectorAt.includes(i)) vecs.push(parseVector(value, this.columns[i]!));
      else doc[this.columns[i]!] = value;
    });
    this.staged.push({ texts: [JSON.stringify(doc)], vecs });
  }

  /** Writes the rows taken so far; returns how many. */
  async flush(): Promise<number> {
    const n = this.pending;
    if (n === 0) return 0;
    const cols = this.columns.map(ident).join(', ');
    const table = ident(this.table);
    if (!this.binary) {
      const objects = this.rows.map((r) => Object.fromEntries(this.columns.map((c, i) => [c, r[i]])));
      await this.tx.query(`INSERT INTO ${table} (${cols}) SELECT ${cols} FROM json_populate_recordset(NULL::${table}, $1::json)`, [JSON.stringify(objects)]);
      this.rows = [];
      return n;
    }
    const vecCols = this.vectorAt.map((_, k) => `v${k}`);
    if (!this.stageMade) {
      await this.tx.query(`CREATE TEMP TABLE dump_stage (doc text, ${vecCols.map((v) => `${v} vector`).join(', ')}) ON COMMIT DROP`);
      this.stageMade = true;
    }
    await this.tx.copyFromBlob!(`COPY dump_stage (doc, ${vecCols.join(', ')}) FROM '/dev/blob' WITH (FORMAT binary)`, encodeCopyRows(this.staged));
    const values = this.columns.map((c, i) => (this.vectorAt.includes(i) ? `s.v${this.vectorAt.indexOf(i)}` : `r.${ident(c)}`)).join(', ');
    await this.tx.query(`INSERT INTO ${table} (${cols}) SELECT ${values} FROM dump_stage s CROSS JOIN LATERAL json_populate_record(NULL::${table}, s.doc::json) AS r`);
    await this.tx.query('TRUNCATE dump_stage');
    this.staged = [];
    return n;
  }

  /** Writes what is left and drops the stage. */
  async close(): Promise<number> {
    const n = await this.flush();
    if (this.stageMade) await this.tx.query('DROP TABLE dump_stage');
    this.stageMade = false;
    return n;
  }
}

/** A vector's text form as the dump holds it (`[1,2.5,...]`, pgvector's own), or null. */
function parseVector(value: unknown, column: string): Float32Array | null {
  if (value === null) return null;
  const vec = typeof value === 'string' && /^\[.*\]$/s.test(value) ? parseVectorSql(value) : undefined;
  if (!vec?.length || !vec.every(Number.isFinite)) throw new Error(`column ${column} is not a vector`);
  return vec;
}
