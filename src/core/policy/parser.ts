import type {
  AssociateGrant,
  Condition,
  CrossTenancyLocation,
  Grant,
  Location,
  ParsedStatement,
  PrincipalName,
  Statement,
  Subject,
  Value,
} from './ast';
import { PolicySyntaxError } from './errors';
import { scan, type Token } from './scanner';
import { nearest } from './suggest';
import { CONDITION_FUNCTIONS, RESOURCE_TYPES, START_WORDS, SUBJECT_WORDS, VERBS, type Verb } from './vocabulary';

const SIMPLE_NAME = /^[A-Za-z0-9._-]+$/;
const VARIABLE = /^(request|target)\.[a-z0-9_.-]+$/;

/** Reads tokens one statement long; keywords compare without regard to case. */
class Parser {
  #i = 0;
  readonly warnings: { column: number; message: string }[] = [];
  constructor(private readonly tokens: readonly Token[]) {}

  peek(offset = 0): Token {
    return this.tokens[Math.min(this.#i + offset, this.tokens.length - 1)] as Token;
  }
  next(): Token {
    const token = this.peek();
    if (token.kind !== 'end') this.#i += 1;
    return token;
  }
  isWord(word: string, offset = 0): boolean {
    const token = this.peek(offset);
    return token.kind === 'word' && token.value.toLowerCase() === word;
  }
  isPunct(punct: string): boolean {
    const token = this.peek();
    return token.kind === 'punct' && token.value === punct;
  }

  /** Fails at the current token, suggesting the nearest expected keyword when the token looks like a typo. */
  fail(expected: readonly string[], reason?: string): never {
    const token = this.peek();
    const found = token.kind === 'end' ? 'the end of the statement' : `"${token.raw}"`;
    const suggestion =
      token.kind === 'word'
        ? nearest(
            token.value,
            expected.filter((e) => /^[a-z-]+$/.test(e)),
            1,
          )[0]
        : undefined;
    throw new PolicySyntaxError(token.column, reason ?? `unexpected ${found}`, expected, suggestion);
  }
  keyword(...options: string[]): string {
    const token = this.peek();
    const match = options.find((o) => token.kind === 'word' && token.value.toLowerCase() === o);
    if (!match) this.fail(options);
    this.next();
    return match;
  }
  punct(punct: string): void {
    if (!this.isPunct(punct)) this.fail([punct]);
    this.next();
  }
  word(what: string): Token {
    const token = this.peek();
    if (token.kind !== 'word') this.fail([what]);
    return this.next();
  }
  end(): void {
    if (this.peek().kind !== 'end') this.fail(['the end of the statement']);
  }

  statement(): Statement {
    const start = this.keyword(...START_WORDS);
    if (start === 'define') return this.define();
    // Oracle's "Deny Policies" page: deny statements mirror allow ones, including `deny admit` and `deny endorse`.
    if (start === 'deny' && (this.isWord('admit') || this.isWord('endorse'))) {
      const crossTenancy = this.next().value.toLowerCase() as 'admit' | 'endorse';
      return crossTenancy === 'admit' ? this.admit(true) : this.endorse(true);
    }
    if (start === 'endorse') return this.endorse(false);
    if (start === 'admit') return this.admit(false);
    const subject = this.subject();
    this.keyword('to');
    const grant = this.grant();
    this.keyword('in');
    const location = this.location();
    const condition = this.optionalCondition();
    return { kind: start as 'allow' | 'deny', subject, grant, location, ...(condition ? { condition } : {}) };
  }

  /** `Define tenancy|group|dynamic-group|compartment <alias> as [id] <ocid>` (Cross-Tenancy Access Policies). */
  define(): Statement {
    const what = this.keyword('tenancy', 'group', 'dynamic-group', 'compartment') as 'tenancy' | 'group' | 'dynamic-group' | 'compartment';
    const alias = this.name();
    this.keyword('as');
    // Oracle's pages write `Define compartment X as id <ocid>` and `… as <ocid>`; both are read.
    if (this.isWord('id')) this.next();
    const ocid = this.ocid();
    this.end();
    return { kind: 'define', what, alias: alias.name, ocid };
  }

  endorse(deny: boolean): Statement {
    const subject = this.subject();
    this.keyword('to');
    const { grant, location } = this.grantAndLocation('endorse');
    const condition = this.optionalCondition();
    return { kind: 'endorse', ...(deny ? { deny: true as const } : {}), subject, grant, location, ...(condition ? { condition } : {}) };
  }

  admit(deny: boolean): Statement {
    const subject = this.subject();
    this.keyword('of');
    this.keyword('tenancy');
    const ofTenancy = this.name().name;
    this.keyword('to');
    const { grant, location } = this.grantAndLocation('admit');
    const condition = this.optionalCondition();
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

  /**
   * `<verb> <resource> in <location>`, `{PERMISSIONS} in <location>`, or, in cross-tenancy statements,
   * `associate <resource> in <location> with <resource> in <location>`.
   */
  grantAndLocation(context: 'endorse' | 'admit'): { grant: Grant | AssociateGrant; location: CrossTenancyLocation } {
    if (this.isWord('associate')) {
      this.next();
      const resourceToken = this.resourceType();
      this.keyword('in');
      const location = this.crossTenancyLocation();
      this.keyword('with');
      const withToken = this.resourceType();
      this.keyword('in');
      const withLocation = this.crossTenancyLocation();
      return {
        grant: {
          kind: 'associate',
          resource: resourceToken.value.toLowerCase(),
          resourceColumn: resourceToken.column,
          withResource: withToken.value.toLowerCase(),
          withResourceColumn: withToken.column,
          withLocation,
        },
        location,
      };
    }
    const grant = this.grant();
    this.keyword('in');
    return { grant, location: context === 'endorse' ? this.crossTenancyLocation() : this.location() };
  }

  optionalCondition(): Condition | undefined {
    if (this.peek().kind === 'end') return undefined;
    this.keyword('where');
    const condition = this.condition();
    this.end();
    return condition;
  }

  subject(): Subject {
    const kind = this.keyword(...SUBJECT_WORDS);
    if (kind === 'any-user' || kind === 'any-group') return { kind };
    if (kind === 'service') return { kind, names: this.list(() => this.word('a service name').value.toLowerCase()) };
    if (kind === 'resource') {
      const resourceType = this.word('a resource principal type').value.toLowerCase();
      return { kind, resourceType, names: this.list(() => this.name().name) };
    }
    if (this.isWord('id')) {
      const ids = this.list(() => {
        this.keyword('id');
        return this.ocid();
      });
      return { kind: kind === 'group' ? 'group-id' : 'dynamic-group-id', ids };
    }
    return { kind: kind as 'group' | 'dynamic-group', names: this.list(() => this.principal()) };
  }

  /** `name`, `'quoted name'`, or `domain/name` with either part quoted. */
  principal(): PrincipalName {
    const first = this.name();
    if (!this.isPunct('/')) return first;
    this.next();
    return { domain: first.name, name: this.name().name };
  }

  name(): PrincipalName {
    const token = this.peek();
    if (token.kind === 'string') return { name: this.next().value };
    if (token.kind === 'word' && !['to', 'of', 'as', 'in'].includes(token.value.toLowerCase())) return { name: this.next().value };
    return this.fail(['a name']);
  }

  ocid(): string {
    const token = this.peek();
    if (token.kind !== 'word' || !/^ocid1\./i.test(token.value)) this.fail(['an OCID (ocid1.…)']);
    return this.next().value.toLowerCase();
  }

  list<T>(item: () => T): T[] {
    const items = [item()];
    while (this.isPunct(',')) {
      this.next();
      items.push(item());
    }
    return items;
  }

  grant(): Grant {
    if (this.isPunct('{')) {
      const column = this.next().column;
      const permissions = this.list(() => {
        const token = this.word('a permission');
        if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(token.value))
          throw new PolicySyntaxError(token.column, `"${token.raw}" is not a permission name`, ['A_PERMISSION_NAME']);
        return token.value.toUpperCase();
      });
      this.punct('}');
      return { kind: 'permissions', permissions, column };
    }
    const verbToken = this.peek();
    if (verbToken.kind !== 'word' || !VERBS.includes(verbToken.value.toLowerCase() as Verb)) {
      const suggestion = verbToken.kind === 'word' ? nearest(verbToken.value, VERBS, 1)[0] : undefined;
      throw new PolicySyntaxError(
        verbToken.column,
        verbToken.kind === 'end' ? 'the statement ends before its verb' : `unknown verb "${verbToken.raw}"`,
        [...VERBS, '{PERMISSIONS}'],
        suggestion,
      );
    }
    this.next();
    const resourceToken = this.resourceType();
    return {
      kind: 'verb',
      verb: verbToken.value.toLowerCase() as Verb,
      resource: resourceToken.value.toLowerCase(),
      resourceColumn: resourceToken.column,
    };
  }

  /** A resource type; one Oracle's Policy Reference does not list is a warning naming the nearest known ones. */
  resourceType(): Token {
    const token = this.word('a resource type');
    const resource = token.value.toLowerCase();
    if (!RESOURCE_TYPES.has(resource)) {
      const near = nearest(resource, RESOURCE_TYPES);
      this.warnings.push({
        column: token.column,
        message: `unknown resource type "${token.value}"${near.length > 0 ? `; nearest known: ${near.join(', ')}` : ''}`,
      });
    }
    return token;
  }

  /** `any-tenancy`, `tenancy <alias>`, or a location of this tenancy: where a cross-tenancy grant applies. */
  crossTenancyLocation(): CrossTenancyLocation {
    if (this.isWord('any-tenancy')) {
      this.next();
      return { kind: 'any-tenancy' };
    }
    if (this.isWord('tenancy')) {
      this.next();
      const token = this.peek();
      const aliased = token.kind === 'string' || (token.kind === 'word' && !['where', 'with'].includes(token.value.toLowerCase()));
      return aliased ? { kind: 'tenancy', alias: this.name().name } : { kind: 'tenancy' };
    }
    if (!this.isWord('compartment')) this.fail(['tenancy', 'compartment', 'any-tenancy']);
    return this.location();
  }

  /** `tenancy`, `compartment a:b:c` or `compartment id <ocid>`. */
  location(): Location {
    const where = this.keyword('tenancy', 'compartment');
    if (where === 'tenancy') return { kind: 'tenancy' };
    if (this.isWord('id')) {
      this.next();
      return { kind: 'compartment-id', id: this.ocid() };
    }
    const token = this.peek();
    if (token.kind !== 'word' && token.kind !== 'string') this.fail(['a compartment name or path (a:b:c)', 'id <OCID>']);
    this.next();
    const path = token.value.split(':');
    if (path.some((part) => part === ''))
      throw new PolicySyntaxError(token.column, `"${token.raw}" is not a compartment path`, ['names separated by ":"']);
    return { kind: 'compartment', path };
  }

  condition(): Condition {
    if ((this.isWord('any') || this.isWord('all')) && this.peek(1).kind === 'punct' && this.peek(1).value === '{') {
      const kind = this.next().value.toLowerCase() as 'any' | 'all';
      this.next();
      const items = this.list(() => this.condition());
      this.punct('}');
      return { kind, items };
    }
    const variableToken = this.word('a variable (request.… or target.…)');
    if (this.isPunct('(')) return this.conditionFunction(variableToken);
    const variable = variableToken.value.toLowerCase();
    if (!VARIABLE.test(variable)) {
      throw new PolicySyntaxError(variableToken.column, `"${variableToken.raw}" is not a variable`, ['request.<name>', 'target.<name>']);
    }
    const token = this.peek();
    if (token.kind === 'punct' && (token.value === '=' || token.value === '!=')) {
      this.next();
      return { kind: 'compare', variable, operator: token.value, values: [this.value()] };
    }
    if (this.isWord('not') && this.isWord('in', 1)) {
      this.next();
      this.next();
      return { kind: 'compare', variable, operator: 'not in', values: this.valueList() };
    }
    const operator = this.keyword('in', 'before', 'after', 'between', '=', '!=');
    if (operator === 'in') return { kind: 'compare', variable, operator, values: this.valueList() };
    if (operator === 'between') {
      const low = this.value();
      this.keyword('and');
      return { kind: 'compare', variable, operator, values: [low, this.value()] };
    }
    return { kind: 'compare', variable, operator: operator as 'before' | 'after', values: [this.value()] };
  }

  /** `sets-intersect(<variable>, (<values>))`: true when the two sets share a value. */
  conditionFunction(nameToken: Token): Condition {
    const name = nameToken.value.toLowerCase();
    if (!CONDITION_FUNCTIONS.includes(name as (typeof CONDITION_FUNCTIONS)[number])) {
      const suggestion = nearest(name, CONDITION_FUNCTIONS, 1)[0];
      throw new PolicySyntaxError(nameToken.column, `unknown function "${nameToken.raw}"`, [...CONDITION_FUNCTIONS], suggestion);
    }
    this.punct('(');
    const variableToken = this.word('a variable (request.… or target.…)');
    const variable = variableToken.value.toLowerCase();
    if (!VARIABLE.test(variable)) {
      throw new PolicySyntaxError(variableToken.column, `"${variableToken.raw}" is not a variable`, ['request.<name>', 'target.<name>']);
    }
    this.punct(',');
    const values = this.isPunct('(') ? this.valueList() : [this.value()];
    this.punct(')');
    return { kind: 'compare', variable, operator: name as 'sets-intersect', values };
  }

  valueList(): Value[] {
    this.punct('(');
    const values = this.list(() => this.value());
    this.punct(')');
    return values;
  }

  value(): Value {
    const token = this.peek();
    if (token.kind === 'string' || token.kind === 'pattern' || token.kind === 'word') {
      this.next();
      // A value can be another variable: `target.compartment.id = request.principal.compartment.id`.
      if (token.kind === 'word' && VARIABLE.test(token.value.toLowerCase())) return { kind: 'variable', text: token.value.toLowerCase() };
      return { kind: token.kind, text: token.value };
    }
    return this.fail(["a value ('text', a word, or /pattern/)"]);
  }
}

/**
 * Parses one OCI policy statement; throws a PolicySyntaxError with the column, what was expected and a
 * likely fix. Unknown resource types are warnings, not errors.
 * @example parseStatement("Allow group A to read buckets in compartment dev").statement.kind // 'allow'
 */
export function parseStatement(text: string): ParsedStatement {
  const parser = new Parser(scan(text));
  const statement = parser.statement();
  return { statement, warnings: parser.warnings };
}

/** Quotes a name when the policy language needs quotes for it. */
export function renderName(name: string): string {
  return SIMPLE_NAME.test(name) ? name : `'${name}'`;
}
