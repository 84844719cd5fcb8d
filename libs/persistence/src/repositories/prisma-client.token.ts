import type { PrismaClient } from '../generated/prisma/client';

/** DI token of the app's one PrismaClient (with the pg driver adapter). */
export const PRISMA_CLIENT = Symbol('PRISMA_CLIENT');
export type Db = PrismaClient;
