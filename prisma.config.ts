import { defineConfig } from 'prisma/config';

// The CLI reads the URL from the environment; `prisma generate` needs none.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://postgres:postgres@127.0.0.1:5432/fulltime' },
});
