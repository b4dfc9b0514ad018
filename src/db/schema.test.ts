// schema.prisma and the database that prisma/migrations produces agree: the same enums, tables,
// columns (type, nullability, default), primary keys, unique and plain indexes, and foreign keys.
// (Prisma's own `migrate diff` needs the schema engine binary, which cannot be installed everywhere.)
import fs from 'node:fs';
import path from 'node:path';
import prismaInternals from '@prisma/internals';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScratchDatabase } from '../../test/harness.ts';

type DMMF = Awaited<ReturnType<typeof prismaInternals.getDMMF>>['datamodel'];
type Model = DMMF['models'][number];
type Field = Model['fields'][number];

let datamodel: DMMF;
let db: pg.Client;
let database: Awaited<ReturnType<typeof createScratchDatabase>>;

beforeAll(async () => {
  const schema = fs.readFileSync(path.resolve(import.meta.dirname, '../../prisma/schema.prisma'), 'utf8');
  datamodel = (await prismaInternals.getDMMF({ datamodel: schema })).datamodel;
  // A fresh database with every migration applied, nothing else.
  database = await createScratchDatabase();
  db = new pg.Client({ connectionString: database.url });
  await db.connect();
});

afterAll(async () => {
  await db?.end();
  await database?.drop();
});

const tableOf = (model: Model) => model.dbName ?? model.name;
const columnOf = (field: Field) => field.dbName ?? field.name;
const modelByName = (name: string) => datamodel.models.find((m) => m.name === name)!;
const enumDbName = (name: string) => {
  const e = datamodel.enums.find((x) => x.name === name)!;
  return e.dbName ?? e.name;
};

/** The PostgreSQL type Prisma's migrations give a field (format_type spelling). */
function expectedType(field: Field): string {
  if (field.kind === 'enum') return `"${enumDbName(field.type)}"`.replace(/^"([a-z_][a-z0-9_]*)"$/, '$1');
  const native = field.nativeType as [string, string[]] | null | undefined;
  if (native) {
    const [name, args] = native;
    const mapped: Record<string, string> = {
      Timestamptz: 'timestamp with time zone',
      Timestamp: 'timestamp without time zone',
      Json: 'json',
      Text: 'text',
      Uuid: 'uuid',
      VarChar: 'character varying',
    };
    const base = mapped[name] ?? name.toLowerCase();
    return args.length > 0 && base.startsWith('timestamp')
      ? base.replace('timestamp', `timestamp(${args.join(',')})`)
      : base;
  }
  const defaults: Record<string, string> = {
    String: 'text',
    Int: 'integer',
    BigInt: 'bigint',
    Boolean: 'boolean',
    Float: 'double precision',
    DateTime: 'timestamp(3) without time zone',
    Json: 'jsonb',
    Decimal: 'numeric(65,30)',
    Bytes: 'bytea',
  };
  return defaults[field.type]!;
}

const scalarFields = (model: Model) => model.fields.filter((f) => f.kind === 'scalar' || f.kind === 'enum');

describe('schema.prisma vs the migrated database', () => {
  it('has the same enums and values', async () => {
    const { rows } = await db.query<{ name: string; values: string[] }>(`
      SELECT t.typname AS name, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS values
      FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid GROUP BY t.typname`);
    const actual = Object.fromEntries(rows.map((r) => [r.name, r.values]));
    const expected = Object.fromEntries(
      datamodel.enums.map((e) => [e.dbName ?? e.name, e.values.map((v) => v.dbName ?? v.name)]),
    );
    expect(actual).toEqual(expected);
  });

  it('has the same tables and columns (type, nullability, default)', async () => {
    const { rows } = await db.query<{
      table: string;
      column: string;
      type: string;
      nullable: boolean;
      has_default: boolean;
    }>(`
      SELECT c.relname AS table, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type,
             NOT a.attnotnull AS nullable, a.atthasdef AS has_default
      FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
        AND c.relname <> '_prisma_migrations'`);
    const actual = Object.fromEntries(
      rows.map((r) => [`${r.table}.${r.column}`, { type: r.type, nullable: r.nullable, hasDefault: r.has_default }]),
    );
    const expected = Object.fromEntries(
      datamodel.models.flatMap((model) =>
        scalarFields(model).map((field) => [
          `${tableOf(model)}.${columnOf(field)}`,
          { type: expectedType(field), nullable: !field.isRequired, hasDefault: field.hasDefaultValue },
        ]),
      ),
    );
    expect(actual).toEqual(expected);
  });

  it('has the same primary keys, unique indexes and plain indexes', async () => {
    const { rows } = await db.query<{ table: string; columns: string[]; unique: boolean; primary: boolean }>(`
      SELECT t.relname AS table, i.indisunique AS unique, i.indisprimary AS primary,
             array(SELECT a.attname::text FROM unnest(i.indkey) WITH ORDINALITY k(attnum, ord)
                   JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.ord) AS columns
      FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE n.nspname = 'public' AND t.relkind = 'r' AND t.relname <> '_prisma_migrations'`);
    const describeIndex = (table: string, columns: string[], kind: string) => `${kind} ${table}(${columns.join(',')})`;
    const actual = rows
      .map((r) => describeIndex(r.table, r.columns, r.primary ? 'primary' : r.unique ? 'unique' : 'index'))
      .sort();
    const expected = datamodel.indexes
      .map((index) => {
        const model = modelByName(index.model);
        const columns = index.fields.map((f) => columnOf(model.fields.find((x) => x.name === f.name)!));
        const kind = index.type === 'id' ? 'primary' : index.type === 'unique' ? 'unique' : 'index';
        return describeIndex(tableOf(model), columns, kind);
      })
      .sort();
    expect(actual).toEqual(expected);
  });

  it('has the same foreign keys and referential actions', async () => {
    const { rows } = await db.query<{
      table: string;
      columns: string[];
      ref_table: string;
      ref_columns: string[];
      on_delete: string;
      on_update: string;
    }>(`
      SELECT c.conrelid::regclass::text AS table, c.confrelid::regclass::text AS ref_table,
             array(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(n, o) JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.o) AS columns,
             array(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(n, o) JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.o) AS ref_columns,
             c.confdeltype AS on_delete, c.confupdtype AS on_update
      FROM pg_constraint c WHERE c.contype = 'f'`);
    const actions: Record<string, string> = {
      a: 'NoAction',
      r: 'Restrict',
      c: 'Cascade',
      n: 'SetNull',
      d: 'SetDefault',
    };
    const actual = rows
      .map(
        (r) =>
          `${r.table}(${r.columns}) -> ${r.ref_table}(${r.ref_columns}) delete ${actions[r.on_delete]} update ${actions[r.on_update]}`,
      )
      .sort();
    const expected = datamodel.models
      .flatMap((model) =>
        model.fields
          .filter((f) => f.kind === 'object' && f.relationFromFields && f.relationFromFields.length > 0)
          .map((f) => {
            const target = modelByName(f.type);
            const from = f.relationFromFields!.map((name) => columnOf(model.fields.find((x) => x.name === name)!));
            const to = f.relationToFields!.map((name) => columnOf(target.fields.find((x) => x.name === name)!));
            const optional = f.relationFromFields!.some(
              (name) => !model.fields.find((x) => x.name === name)!.isRequired,
            );
            const onDelete = (f.relationOnDelete as string | undefined) ?? (optional ? 'SetNull' : 'Restrict');
            return `${tableOf(model)}(${from}) -> ${tableOf(target)}(${to}) delete ${onDelete} update Cascade`;
          }),
      )
      .sort();
    expect(actual).toEqual(expected);
  });
});
