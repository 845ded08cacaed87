// An in-memory database with a Prisma-like API (db.<model>.findFirst({ where }) and friends), so the
// example runs with no dependencies. Seeded with two organizations that must never see each other's data.
import { createHash } from 'node:crypto';

export interface Organization {
  id: string;
  name: string;
  slug: string;
}

export interface User {
  id: string;
  organizationId: string;
  email: string;
  name: string;
  role: 'member' | 'admin';
  passwordHash: string;
}

export interface Invoice {
  id: string;
  organizationId: string;
  customer: string;
  total: number;
  status: 'open' | 'paid';
}

export class RecordNotFoundError extends Error {
  constructor(model: string) {
    super(`No ${model} found`);
    this.name = 'RecordNotFoundError';
  }
}

type Where<T> = Partial<T>;

function matches<T extends object>(row: T, where: Where<T> = {}): boolean {
  return (Object.keys(where) as (keyof T)[]).every((key) => where[key] === undefined || row[key] === where[key]);
}

export class Model<T extends { id: string }> {
  constructor(
    private readonly name: string,
    private rows: T[],
  ) {}

  async findFirst(args: { where: Where<T> }): Promise<T | null> {
    return this.rows.find((row) => matches(row, args.where)) ?? null;
  }

  async findUnique(args: { where: Where<T> }): Promise<T | null> {
    return this.findFirst(args);
  }

  async findMany(args: { where?: Where<T> } = {}): Promise<T[]> {
    return this.rows.filter((row) => matches(row, args.where));
  }

  async count(args: { where?: Where<T> } = {}): Promise<number> {
    return (await this.findMany(args)).length;
  }

  async create(args: { data: T }): Promise<T> {
    this.rows.push({ ...args.data });
    return { ...args.data };
  }

  /** Like Prisma, throws when nothing matches. */
  async update(args: { where: Where<T>; data: Partial<T> }): Promise<T> {
    const row = this.rows.find((r) => matches(r, args.where));
    if (!row) throw new RecordNotFoundError(this.name);
    Object.assign(row, args.data);
    return { ...row };
  }

  async delete(args: { where: Where<T> }): Promise<T> {
    const index = this.rows.findIndex((r) => matches(r, args.where));
    const row = this.rows[index];
    if (!row) throw new RecordNotFoundError(this.name);
    this.rows.splice(index, 1);
    return row;
  }

  /** Rows as plain objects, for the raw query helper. */
  all(): T[] {
    return this.rows;
  }

  replaceAll(rows: T[]): void {
    this.rows = rows;
  }
}

export function hashPassword(plain: string): string {
  return createHash('sha256').update(`vulnerable-api:${plain}`).digest('hex');
}

function seed(): { organizations: Organization[]; users: User[]; invoices: Invoice[] } {
  return {
    organizations: [
      { id: 'org_acme', name: 'Acme Corp', slug: 'acme' },
      { id: 'org_globex', name: 'Globex Inc', slug: 'globex' },
    ],
    users: [
      { id: 'usr_alice', organizationId: 'org_acme', email: 'alice@acme.test', name: 'Alice', role: 'admin', passwordHash: hashPassword('alice-pass') },
      { id: 'usr_adam', organizationId: 'org_acme', email: 'adam@acme.test', name: 'Adam', role: 'member', passwordHash: hashPassword('adam-pass') },
      { id: 'usr_bob', organizationId: 'org_globex', email: 'bob@globex.test', name: 'Bob', role: 'admin', passwordHash: hashPassword('bob-pass') },
    ],
    invoices: [
      { id: 'inv_1001', organizationId: 'org_acme', customer: 'Wile E. Coyote', total: 1200, status: 'open' },
      { id: 'inv_1002', organizationId: 'org_acme', customer: 'Road Runner Ltd', total: 80, status: 'paid' },
      { id: 'inv_2001', organizationId: 'org_globex', customer: 'Hank Scorpio', total: 99000, status: 'open' },
    ],
  };
}

const initial = seed();

const SQL_COLUMNS: Record<string, keyof Invoice> = { id: 'id', organization_id: 'organizationId', customer: 'customer', status: 'status' };

export const db = {
  organization: new Model<Organization>('organization', initial.organizations),
  user: new Model<User>('user', initial.users),
  invoice: new Model<Invoice>('invoice', initial.invoices),

  /** A tiny raw-SQL escape hatch: `SELECT * FROM invoices WHERE col = 'v' [AND col = 'v' ...]`. */
  async query(sql: string): Promise<Invoice[]> {
    const match = /^SELECT \* FROM invoices WHERE (.+)$/i.exec(sql.trim());
    if (!match?.[1]) throw new Error(`Unsupported SQL: ${sql}`);
    const conditions = match[1].split(/\s+AND\s+/i).map((part) => {
      const condition = /^(\w+)\s*=\s*'([^']*)'$/.exec(part.trim());
      const column = condition?.[1] !== undefined ? SQL_COLUMNS[condition[1]] : undefined;
      if (!condition || !column) throw new Error(`SQL syntax error near: ${part}`);
      return { column, value: condition[2] };
    });
    return db.invoice.all().filter((row) => conditions.every((c) => String(row[c.column]) === c.value));
  },

  /** Restores the seed data (tests). */
  reset(): void {
    const fresh = seed();
    db.organization.replaceAll(fresh.organizations);
    db.user.replaceAll(fresh.users);
    db.invoice.replaceAll(fresh.invoices);
  },
};
