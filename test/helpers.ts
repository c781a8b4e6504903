import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const fixturePath = (...parts: string[]) => join(__dirname, 'fixtures', ...parts);
export const readFixture = (...parts: string[]) => readFileSync(fixturePath(...parts), 'utf8');
export const fixtureJson = (...parts: string[]): Record<string, unknown> => JSON.parse(readFixture(...parts)) as Record<string, unknown>;
export const demoCatalogJson = () => readFileSync(join(__dirname, '..', 'examples', 'role-catalog.json'), 'utf8');
export const TENANCY = 'ocid1.tenancy.oc1..aaaaaaaatenancy';
