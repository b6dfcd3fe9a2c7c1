/** A command's own database connection, closed when the command is done. */
import { loadAdminConfig } from '../config/index.ts';
import { createDb, type Db } from '../store/index.ts';

export async function withDb<T>(use: (db: Db) => Promise<T>): Promise<T> {
  const db = createDb(loadAdminConfig().databaseUrl);
  try {
    return await use(db);
  } finally {
    await db.$disconnect();
  }
}
