import type {
  AssociateGrant,
  Condition,
  CrossTenancyLocation,
  Grant,
  Location,
  PrincipalName,
  Statement,
  Subject,
  Value,
  Verb,
} from './policy-ast';

// The local OCI's reader of policy statements, written from Oracle's grammar and nothing else:
// - "Policy Syntax" (/iaas/Content/Identity/policysyntax/policysyntax.htm):
//   `Allow <subject> to <verb> <resource-type> in <location> where <conditions>`; subjects `group`,
//   `dynamic-group` (by name, `Domain/Name`, or `id <ocid>`), `any-user`, `any-group`, `service`;
//   `{PERMISSION, …}` in place of verb and resource; locations `tenancy`, `compartment a:b`,
//   `compartment id <ocid>`; names are case-insensitive keywords, quoted when they need to be.
// - "Conditions" (/iaas/Content/Identity/policysyntax/conditions.htm): `any {…}`, `all {…}`,
//   `=`, `!=`, `in (…)`, `not in (…)`, `before`, `after`, `between … and …`, `/pattern*/` after
//   `=`, `!=` and in lists, a variable compared with another variable.
// - "Advanced Policy Features" and "Cross-Tenancy Access Policies"
//   (/iaas/Content/Identity/policieshow/iam-cross-tenancy.htm): `Define`, `Endorse`, `Admit`,
//   `associate … with …`, `any-tenancy`; "Deny Policies": `Deny` before any of them.
// - `resource <type> <name>` subjects as Oracle's PaaS prerequisite pages write them, and
//   `sets-intersect(<variable>, (…))` as Oracle's OCI Landing Zones write it.
// It reads the text directly, character by character (no token list), so it shares neither code nor
// structure with any other reader of the language.

const WORD_CHAR = /[A-Za-z0-9_.:@$*+-]/;
const VARIABLE = /^(request|target)\.[a-z0-9_.-]+$/;
const PERMISSION = /^[A-Za-z][A-Za-z0-9_]*$/;
const VERBS: readonly Verb[] = ['inspect', 'read', 'use', 'manage'];
const SUBJECTS = ['group', 'dynamic-group', 'any-user', 'any-group', 'service', 'resource'] as const;
const NOT_A_NAME = new Set(['to', 'of', 'as', 'in']);

/** A statement the local OCI cannot read; `column` is 1-based. */
export class PolicyReadError extends Error {
  constructor(
    readonly column: number,
    message: string,
  ) {
    super(`column ${column}: ${message}`);
    this.name = 'PolicyReadError';
  }
}

class Reader {
  private at = 0;
  constructor(private readonly text: string) {}

  private skipSpace(): void {
    while (this.at < this.text.length && /\s/.test(this.text[this.at] ?? '')) this.at += 1;
  }

  private fail(message: string): never {
    throw new PolicyReadError(this.at + 1, message);
  }

  /** The next non-space character, without taking it ('' at the end). */
  private nextChar(): string {
    this.skipSpace();
    return this.text[this.at] ?? '';
  }

  atEnd(): boolean {
    return this.nextChar() === '';
  }

  /** The word that starts here, without taking it. */
  private wordAhead(): string | undefined {
    this.skipSpace();
    let end = this.at;
    while (end < this.text.length && WORD_CHAR.test(this.text[end] ?? '')) end += 1;
    return end > this.at ? this.text.slice(this.at, end) : undefined;
  }

  private takeWord(what: string): string {
    const word = this.wordAhead();
    if (word === undefined) this.fail(`expected ${what}`);
    this.at += word.length;
    return word;
  }

  private sees(word: string): boolean {
    return this.wordAhead()?.toLowerCase() === word;
  }

  /** Whether, after the word here, the next character is `c` (e.g. `all {`, `sets-intersect(`). */
  private wordThen(c: string): boolean {
    const word = this.wordAhead();
    if (word === undefined) return false;
    const saved = this.at;
    this.at += word.length;
    const next = this.nextChar();
    this.at = saved;
    return next === c;
  }

  private expect(...words: string[]): string {
    const word = this.wordAhead()?.toLowerCase();
    if (word === undefined || !words.includes(word)) this.fail(`expected ${words.join(' or ')}`);
    this.at += word.length;
    return word;
  }

  private symbol(c: string): void {
    if (this.nextChar() !== c) this.fail(`expected ${c}`);
    this.at += 1;
  }

  private optionalSymbol(c: string): boolean {
    if (this.nextChar() !== c) return false;
    this.at += 1;
    return true;
  }

  private quoted(): string | undefined {
    const quote = this.nextChar();
    if (quote !== "'" && quote !== '"') return undefined;
    const close = this.text.indexOf(quote, this.at + 1);
    if (close < 0) this.fail('quoted text is not closed');
    const value = this.text.slice(this.at + 1, close);
    this.at = close + 1;
    return value;
  }

  private several<T>(one: () => T): T[] {
    const items = [one()];
    while (this.optionalSymbol(',')) items.push(one());
    return items;
  }

  private finish(): void {
    if (!this.atEnd()) this.fail('expected the end of the statement');
  }

  statement(): Statement {
    const start = this.expect('allow', 'deny', 'define', 'endorse', 'admit');
    if (start === 'define') return this.define();
    if (start === 'endorse') return this.endorse(false);
    if (start === 'admit') return this.admit(false);
    if (start === 'deny' && this.sees('endorse')) {
      this.expect('endorse');
      return this.endorse(true);
    }
    if (start === 'deny' && this.sees('admit')) {
      this.expect('admit');
      return this.admit(true);
    }
    const subject = this.subject();
    this.expect('to');
    const grant = this.grant();
    this.expect('in');
    const location = this.location();
    const condition = this.where();
    return { kind: start as 'allow' | 'deny', subject, grant, location, ...(condition ? { condition } : {}) };
  }

  private define(): Statement {
    const what = this.expect('tenancy', 'group', 'dynamic-group', 'compartment') as 'tenancy' | 'group' | 'dynamic-group' | 'compartment';
    const alias = this.name();
    this.expect('as');
    if (this.sees('id')) this.expect('id');
    const ocid = this.ocid();
    this.finish();
    return { kind: 'define', what, alias, ocid };
  }

  private endorse(deny: boolean): Statement {
    const subject = this.subject();
    this.expect('to');
    const { grant, location } = this.crossTenancyGrant(true);
    const condition = this.where();
    return { kind: 'endorse', ...(deny ? { deny: true as const } : {}), subject, grant, location, ...(condition ? { condition } : {}) };
  }

  private admit(deny: boolean): Statement {
    const subject = this.subject();
    this.expect('of');
    this.expect('tenancy');
    const ofTenancy = this.name();
    this.expect('to');
    const { grant, location } = this.crossTenancyGrant(false);
    const condition = this.where();
    return {
      kind: 'admit',
      ...(deny ? { deny: true as const } : {}),
      subject,
      ofTenancy,
      grant,
      location,
      ...(condition ? { condition } : {}),
    };
  }

  private crossTenancyGrant(endorsing: boolean): { grant: Grant | AssociateGrant; location: CrossTenancyLocation } {
    if (!this.sees('associate')) {
      const grant = this.grant();
      this.expect('in');
      return { grant, location: endorsing ? this.crossTenancyLocation() : this.location() };
    }
    this.expect('associate');
    const resource = this.takeWord('a resource type').toLowerCase();
    this.expect('in');
    const location = this.crossTenancyLocation();
    this.expect('with');
    const withResource = this.takeWord('a resource type').toLowerCase();
    this.expect('in');
    const withLocation = this.crossTenancyLocation();
    return { grant: { kind: 'associate', resource, withResource, withLocation }, location };
  }

  private subject(): Subject {
    const kind = this.expect(...SUBJECTS) as (typeof SUBJECTS)[number];
    switch (kind) {
      case 'any-user':
      case 'any-group':
        return { kind };
      case 'service':
        return { kind, names: this.several(() => this.takeWord('a service name').toLowerCase()) };
      case 'resource': {
        const resourceType = this.takeWord('a resource principal type').toLowerCase();
        return { kind, resourceType, names: this.several(() => this.name()) };
      }
      default:
        if (this.sees('id')) {
          const ids = this.several(() => {
            this.expect('id');
            return this.ocid();
          });
          return { kind: kind === 'group' ? 'group-id' : 'dynamic-group-id', ids };
        }
        return { kind, names: this.several(() => this.principal()) };
    }
  }

  private principal(): PrincipalName {
    const first = this.name();
    if (!this.optionalSymbol('/')) return { name: first };
    return { domain: first, name: this.name() };
  }

  private name(): string {
    const quoted = this.quoted();
    if (quoted !== undefined) return quoted;
    const word = this.wordAhead();
    if (word === undefined || NOT_A_NAME.has(word.toLowerCase())) this.fail('expected a name');
    return this.takeWord('a name');
  }

  private ocid(): string {
    const word = this.wordAhead();
    if (word === undefined || !word.toLowerCase().startsWith('ocid1.')) this.fail('expected an OCID');
    return this.takeWord('an OCID').toLowerCase();
  }

  private grant(): Grant {
    if (this.optionalSymbol('{')) {
      const permissions = this.several(() => {
        const permission = this.takeWord('a permission');
        if (!PERMISSION.test(permission)) this.fail(`${permission} is not a permission name`);
        return permission.toUpperCase();
      });
      this.symbol('}');
      return { kind: 'permissions', permissions };
    }
    const verb = this.wordAhead()?.toLowerCase();
    if (verb === undefined || !VERBS.includes(verb as Verb)) this.fail('expected a verb or {PERMISSIONS}');
    this.takeWord('a verb');
    return { kind: 'verb', verb: verb as Verb, resource: this.takeWord('a resource type').toLowerCase() };
  }

  private location(): Location {
    const where = this.expect('tenancy', 'compartment');
    if (where === 'tenancy') return { kind: 'tenancy' };
    if (this.sees('id')) {
      this.expect('id');
      return { kind: 'compartment-id', id: this.ocid() };
    }
    const written =
      this.quoted() ?? (this.wordAhead() === undefined ? this.fail('expected a compartment') : this.takeWord('a compartment'));
    const path = written.split(':');
    if (path.includes('')) this.fail(`${written} is not a compartment path`);
    return { kind: 'compartment', path };
  }

  private crossTenancyLocation(): CrossTenancyLocation {
    if (this.sees('any-tenancy')) {
      this.expect('any-tenancy');
      return { kind: 'any-tenancy' };
    }
    if (this.sees('tenancy')) {
      this.expect('tenancy');
      const next = this.nextChar();
      const word = this.wordAhead()?.toLowerCase();
      const aliased = next === "'" || next === '"' || (word !== undefined && word !== 'where' && word !== 'with');
      return aliased ? { kind: 'tenancy', alias: this.name() } : { kind: 'tenancy' };
    }
    if (!this.sees('compartment')) this.fail('expected tenancy, compartment or any-tenancy');
    return this.location();
  }

  private where(): Condition | undefined {
    if (this.atEnd()) return undefined;
    this.expect('where');
    const condition = this.condition();
    this.finish();
    return condition;
  }

  private condition(): Condition {
    const lead = this.wordAhead()?.toLowerCase();
    if ((lead === 'any' || lead === 'all') && this.wordThen('{')) {
      this.expect(lead);
      this.symbol('{');
      const items = this.several(() => this.condition());
      this.symbol('}');
      return { kind: lead, items };
    }
    const name = this.takeWord('a variable').toLowerCase();
    if (this.nextChar() === '(') return this.call(name);
    const variable = this.variable(name);
    const c = this.nextChar();
    if (c === '=') {
      this.at += 1;
      return { kind: 'compare', variable, operator: '=', values: [this.value(true)] };
    }
    if (c === '!') {
      if (this.text[this.at + 1] !== '=') this.fail('expected !=');
      this.at += 2;
      return { kind: 'compare', variable, operator: '!=', values: [this.value(true)] };
    }
    const operator = this.expect('not', 'in', 'before', 'after', 'between');
    if (operator === 'not') {
      this.expect('in');
      return { kind: 'compare', variable, operator: 'not in', values: this.values() };
    }
    if (operator === 'in') return { kind: 'compare', variable, operator, values: this.values() };
    if (operator === 'between') {
      const low = this.value(false);
      this.expect('and');
      return { kind: 'compare', variable, operator, values: [low, this.value(false)] };
    }
    return { kind: 'compare', variable, operator: operator as 'before' | 'after', values: [this.value(false)] };
  }

  private variable(name: string): string {
    if (!VARIABLE.test(name)) this.fail(`${name} is not a request.… or target.… variable`);
    return name;
  }

  /** `sets-intersect(<variable>, (<values>))`, the one function conditions are written with. */
  private call(name: string): Condition {
    if (name !== 'sets-intersect') this.fail(`unknown function ${name}`);
    this.symbol('(');
    const variable = this.variable(this.takeWord('a variable').toLowerCase());
    this.symbol(',');
    const values = this.nextChar() === '(' ? this.values() : [this.value(true)];
    this.symbol(')');
    return { kind: 'compare', variable, operator: 'sets-intersect', values };
  }

  private values(): Value[] {
    this.symbol('(');
    const values = this.several(() => this.value(true));
    this.symbol(')');
    return values;
  }

  /** A value; a `/pattern/` only where the grammar allows one (after `=`, `!=`, in a list). */
  private value(patternAllowed: boolean): Value {
    const quoted = this.quoted();
    if (quoted !== undefined) return { kind: 'string', text: quoted };
    if (patternAllowed && this.nextChar() === '/') {
      const close = this.text.indexOf('/', this.at + 1);
      if (close < 0) this.fail('pattern is not closed');
      const text = this.text.slice(this.at + 1, close);
      this.at = close + 1;
      return { kind: 'pattern', text };
    }
    const word = this.takeWord("a value ('text', a word or /pattern/)");
    return VARIABLE.test(word.toLowerCase()) ? { kind: 'variable', text: word.toLowerCase() } : { kind: 'word', text: word };
  }
}

/**
 * Reads one policy statement as the local OCI understands it; throws PolicyReadError when it cannot.
 * @example readStatement("Allow group A to read buckets in tenancy").kind // 'allow'
 */
export function readStatement(text: string): Statement {
  return new Reader(text).statement();
}
