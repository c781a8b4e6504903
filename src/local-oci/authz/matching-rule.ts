// Dynamic-group matching rules, as Oracle's "Writing Matching Rules to Define Dynamic Groups"
// (docs.oracle.com/iaas/Content/Identity/dynamicgroups/Writing_Matching_Rules_to_Define_Dynamic_Groups.htm)
// writes them:
//   a single condition      variable = 'value'   or   variable != 'value'
//   several conditions      any {<condition>, …}  or  all {<condition>, …}
//   variables               instance.id, instance.compartment.id, resource.id,
//                           resource.compartment.id, resource.type,
//                           tag.<namespace>.<key>.value (with or without a value)
// The page shows no nested any/all; nesting is accepted here (assumed: the Console's rule
// builder never writes it, but nothing on the page forbids it), every other deviation is refused.
// Hand-written: the grammar is a dozen tokens and no library parses it.

/** A parsed matching rule. */
export type MatchingRule =
  | { readonly kind: 'all' | 'any'; readonly rules: readonly MatchingRule[] }
  | {
      readonly kind: 'condition';
      readonly variable: string;
      readonly operator: '=' | '!=';
      /** Undefined for a bare tag condition (`tag.ns.key.value`): any value of that tag. */
      readonly value: string | undefined;
    };

/** What a matching rule is evaluated against: the calling resource or instance principal. */
export interface RuleSubject {
  /** The resource type as its OCID shows it, e.g. `fnfunc`; `instance` for an instance principal. */
  readonly type: string;
  readonly id: string;
  readonly compartmentId: string;
  /** Defined tags by namespace, then key. */
  readonly definedTags?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/** A rule that does not parse; the Identity API answers it with 400 InvalidParameter. */
export class MatchingRuleError extends Error {}

const VARIABLES = ['instance.id', 'instance.compartment.id', 'resource.id', 'resource.compartment.id', 'resource.type'] as const;
const TAG_VARIABLE = /^tag\.([^.\s]+)\.([^.\s]+)\.value$/i;
const TOKEN = /\s*(?:(\{|\}|,|!=|=)|'([^']*)'|([A-Za-z0-9_.-]+))/y;

type Token = { kind: 'punct'; text: string } | { kind: 'string'; text: string } | { kind: 'word'; text: string };

function tokenize(rule: string): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  let position = 0;
  while (position < rule.length) {
    if (/^\s*$/.test(rule.slice(position))) break;
    TOKEN.lastIndex = position;
    const match = TOKEN.exec(rule);
    if (!match) throw new MatchingRuleError(`unexpected text at ${position + 1}: ${rule.slice(position, position + 20)}`);
    const [, punct, quoted, word] = match;
    if (punct !== undefined) tokens.push({ kind: 'punct', text: punct });
    else if (quoted !== undefined) tokens.push({ kind: 'string', text: quoted });
    else tokens.push({ kind: 'word', text: word ?? '' });
    position = TOKEN.lastIndex;
  }
  return tokens;
}

/**
 * Parses a matching rule.
 * @throws MatchingRuleError when the rule does not follow Oracle's grammar.
 * @example parseMatchingRule("ALL {resource.type = 'fnfunc', resource.compartment.id = 'ocid1.compartment…'}")
 */
export function parseMatchingRule(rule: string): MatchingRule {
  const tokens = tokenize(rule);
  let index = 0;
  const peek = () => tokens[index];
  const take = () => {
    const token = tokens[index++];
    if (!token) throw new MatchingRuleError('the rule ends too early');
    return token;
  };
  const expectPunct = (text: string) => {
    const token = take();
    if (token.kind !== 'punct' || token.text !== text) throw new MatchingRuleError(`expected "${text}", found "${token.text}"`);
  };

  const parseRule = (): MatchingRule => {
    const first = take();
    if (first.kind !== 'word') throw new MatchingRuleError(`expected a variable, any or all, found "${first.text}"`);
    const keyword = first.text.toLowerCase();
    if ((keyword === 'any' || keyword === 'all') && peek()?.text === '{') {
      expectPunct('{');
      const rules = [parseRule()];
      while (peek()?.text === ',') {
        take();
        rules.push(parseRule());
      }
      expectPunct('}');
      return { kind: keyword, rules };
    }
    const variable = first.text.toLowerCase();
    const isTag = TAG_VARIABLE.test(first.text);
    if (!isTag && !(VARIABLES as readonly string[]).includes(variable)) {
      throw new MatchingRuleError(`unknown variable "${first.text}"`);
    }
    const next = peek();
    if (isTag && (next === undefined || next.text === ',' || next.text === '}')) {
      return { kind: 'condition', variable: first.text, operator: '=', value: undefined };
    }
    const operator = take();
    if (operator.kind !== 'punct' || (operator.text !== '=' && operator.text !== '!=')) {
      throw new MatchingRuleError(`expected = or != after ${first.text}`);
    }
    const value = take();
    if (value.kind !== 'string') throw new MatchingRuleError(`the value of ${first.text} must be quoted: '…'`);
    return { kind: 'condition', variable: isTag ? first.text : variable, operator: operator.text, value: value.text };
  };

  if (tokens.length === 0) throw new MatchingRuleError('the rule is empty');
  const parsed = parseRule();
  if (index !== tokens.length) throw new MatchingRuleError(`unexpected "${tokens[index]?.text}" after the rule`);
  return parsed;
}

function subjectValue(variable: string, subject: RuleSubject): string | undefined {
  switch (variable) {
    case 'resource.type':
      return subject.type;
    case 'resource.id':
      return subject.id;
    case 'resource.compartment.id':
      return subject.compartmentId;
    // instance.* describe instance principals only.
    case 'instance.id':
      return subject.type === 'instance' ? subject.id : undefined;
    case 'instance.compartment.id':
      return subject.type === 'instance' ? subject.compartmentId : undefined;
    default: {
      const tag = TAG_VARIABLE.exec(variable);
      return tag ? subject.definedTags?.[tag[1] ?? '']?.[tag[2] ?? ''] : undefined;
    }
  }
}

/** Whether a principal is a member of the dynamic group the rule defines. */
export function ruleMatches(rule: MatchingRule, subject: RuleSubject): boolean {
  if (rule.kind !== 'condition')
    return rule.kind === 'all' ? rule.rules.every((r) => ruleMatches(r, subject)) : rule.rules.some((r) => ruleMatches(r, subject));
  const actual = subjectValue(rule.variable, subject);
  if (rule.value === undefined) return actual !== undefined;
  // OCIDs and resource types compare as written; assumed case-sensitive (OCIDs are lower case).
  const equal = actual === rule.value;
  return rule.operator === '=' ? equal : actual !== undefined && !equal;
}
