/** One traversal of the syntax tree, used by checks, dumps and the planner. */
import type { Node, Script } from './ast.js';
import { assertNever } from './ast.js';

/** The direct children of a node, in source order (here-document bodies last). */
export function children(node: Node): Node[] {
  switch (node.kind) {
    case 'script':
      return node.lists;
    case 'list':
      return node.items;
    case 'list-item':
      return [node.body];
    case 'and-or':
      return [node.first, ...node.rest.map((link) => link.pipeline)];
    case 'pipeline':
      return node.stages;
    case 'command':
      return [...(node.assignments ?? []), node.name, ...node.args, ...node.redirects];
    case 'if':
      return [...node.branches.flatMap((branch) => [branch.condition, branch.body]), ...(node.otherwise ? [node.otherwise] : []), ...node.redirects];
    case 'while':
      return [node.condition, node.body, ...node.redirects];
    case 'for':
      return [...(node.words ?? []), node.body, ...node.redirects];
    case 'brace':
      return [node.body, ...node.redirects];
    case 'assignments':
      return [...node.assignments, ...node.redirects];
    case 'assignment':
      return [node.value];
    case 'arithmetic':
      return node.parts;
    case 'route':
      return [...node.args, ...node.redirects];
    case 'group':
      return [node.pipeline, ...node.redirects];
    case 'fanout':
      return [...node.branches, ...node.args, ...node.redirects];
    case 'file-redirect':
      return [node.target];
    case 'here-string':
      return [node.word];
    case 'here-doc':
      return [node.body];
    case 'word':
      return node.parts;
    case 'substitution':
      return [node.script];
    case 'dup-redirect':
    case 'glob':
    case 'text':
    case 'variable':
    case 'tilde':
      return [];
    default:
      return assertNever(node);
  }
}

/** Calls `visit` on every node, parents before children; return false to skip a subtree. */
export function walk(node: Node, visit: (node: Node, parent: Node | undefined) => boolean | void, parent?: Node): void {
  if (visit(node, parent) === false) return;
  for (const child of children(node)) walk(child, visit, node);
}

export function countNodes(script: Script): number {
  let count = 0;
  walk(script, () => {
    count++;
  });
  return count;
}
