/**
 * What a parsed template uses, checked before it is ever rendered: the partials it names (for its
 * version and for missing-file errors), whether it ends with a partial (the safety-footer rule), and
 * helpers it calls that careprompt does not provide. Reasons name the line, as Handlebars does.
 */

/** Built-ins templates may use. `log` is left out on purpose: it would print context values to stdout. */
const BUILTIN_HELPERS = ['if', 'unless', 'each', 'with', 'lookup'];

/**
 * Names every object inherits (`constructor`, `__proto__`, `toString`, …) and `prototype`. The context has no
 * such fields, so a template reading one would be skipped for every patient as "value missing"; worse, it is how
 * template injection reaches code. Refused at load like an unknown helper.
 */
const BUILT_IN_NAMES = new Set([...Object.getOwnPropertyNames(Object.prototype), 'prototype']);

export interface TemplateShape {
  /** Partials named directly by the source (not the partials those partials use). */
  partials: Set<string>;
  /** The partial named by the last top-level statement, ignoring whitespace and comments. */
  endsWithPartial: string | undefined;
  /**
   * Where the source first reads a field named `value` (` (line 3)`, or '' without a location), undefined when it
   * reads none. The context's only such field is `trigger.value`, so any read of one counts: `{{trigger.value}}`,
   * `{{#with trigger}}{{value}}{{/with}}`, `{{lookup trigger "value"}}`. Only campaigns that allow it may use it.
   */
  readsValue: string | undefined;
}

/** The result's value in the template context (trigger.value): a sensitive field campaigns must allow. */
const VALUE_FIELD = 'value';

export class TemplateShapeError extends Error {
  override readonly name = 'TemplateShapeError';
}

type Node = hbs.AST.Node;

function at(node: Node): string {
  return node.loc ? ` (line ${node.loc.start.line})` : '';
}

export function templateShape(ast: hbs.AST.Program, helperNames: readonly string[]): TemplateShape {
  const helpers = new Set([...BUILTIN_HELPERS, ...helperNames]);
  const partials = new Set<string>();
  let readsValue: string | undefined;

  const readField = (name: string, node: Node) => {
    if (BUILT_IN_NAMES.has(name)) {
      throw new TemplateShapeError(`reads '${name}'${at(node)}, which is not a template field (see Templates in the README)`);
    }
    if (name === VALUE_FIELD) readsValue ??= at(node);
  };
  const read = (path: hbs.AST.PathExpression) => {
    for (const part of path.parts) readField(part, path);
  };

  const call = (node: hbs.AST.MustacheStatement | hbs.AST.SubExpression | hbs.AST.BlockStatement, isBlock: boolean) => {
    const path = node.path as hbs.AST.PathExpression | hbs.AST.Literal;
    const hasArgs = node.params.length > 0 || (node.hash?.pairs.length ?? 0) > 0;
    if (path.type === 'PathExpression' && (isBlock || hasArgs)) {
      const name = (path as hbs.AST.PathExpression).original;
      if (!helpers.has(name)) throw new TemplateShapeError(`uses unknown helper '${name}'${at(node)}`);
      // `lookup` reads the field its second argument names.
      const key = name === 'lookup' ? node.params[1] : undefined;
      if (key?.type === 'StringLiteral') readField((key as hbs.AST.StringLiteral).value, node);
    } else if (path.type === 'PathExpression') {
      read(path as hbs.AST.PathExpression);
    }
    for (const param of node.params) visit(param);
    for (const pair of node.hash?.pairs ?? []) visit(pair.value);
  };

  const visit = (node: Node | undefined): void => {
    if (!node) return;
    switch (node.type) {
      case 'Program':
        for (const statement of (node as hbs.AST.Program).body) visit(statement);
        return;
      case 'MustacheStatement':
      case 'SubExpression':
        call(node as hbs.AST.MustacheStatement, false);
        return;
      case 'BlockStatement': {
        const block = node as hbs.AST.BlockStatement;
        call(block, true);
        visit(block.program);
        visit(block.inverse);
        return;
      }
      case 'PartialStatement': {
        const partial = node as hbs.AST.PartialStatement;
        if (partial.name.type !== 'PathExpression') {
          throw new TemplateShapeError(`uses a dynamic partial name${at(node)}; name partials literally`);
        }
        partials.add((partial.name as hbs.AST.PathExpression).original);
        for (const param of partial.params) visit(param);
        for (const pair of partial.hash?.pairs ?? []) visit(pair.value);
        return;
      }
      case 'PathExpression':
        read(node as hbs.AST.PathExpression);
        return;
      case 'PartialBlockStatement':
      case 'DecoratorBlock':
      case 'Decorator':
        // Inline partials and partial blocks would make the footer check and the version hash guesswork.
        throw new TemplateShapeError(`uses a partial block or inline partial${at(node)}, which careprompt does not support`);
      default:
        return;
    }
  };

  visit(ast);
  const last = ast.body.findLast(
    (statement) =>
      statement.type !== 'CommentStatement' &&
      !(statement.type === 'ContentStatement' && (statement as hbs.AST.ContentStatement).value.trim() === ''),
  );
  const endsWithPartial =
    last?.type === 'PartialStatement' ? ((last as hbs.AST.PartialStatement).name as hbs.AST.PathExpression).original : undefined;
  return { partials, endsWithPartial, readsValue };
}
