import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  // Not env(): it throws when DATABASE_URL is unset, which would break `prisma generate`.
  datasource: { url: process.env.DATABASE_URL ?? '' },
});
