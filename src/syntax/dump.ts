/**
 * A readable, indented dump of a syntax tree with spans (`start-end`), used by
 * the golden test files. Wrappers that add nothing (a pipeline of one stage, an
 * and-or with no operator, a list item that is not in the background) are
 * folded into their child to keep the files short.
 */
import type { Node } from './ast.js';
import { children } from './walk.js';

export function dumpTree(root: Node): string {
  const lines: string[] = [];
  const visit = (node: Node, depth: number): void => {
    const folded = foldedChild(node);
    if (folded) return visit(folded, depth);
    lines.push('  '.repeat(depth) + describe(node));
    if (node.kind === 'word' && isPlainWord(node)) return;
    if (node.kind === 'and-or') {
      visit(node.first, depth + 1);
      for (const link of node.rest) {
        lines.push('  '.repeat(depth + 1) + link.operator);
        visit(link.pipeline, depth + 1);
      }
      return;
    }
    for (const child of children(node)) visit(child, depth + 1);
  };
  visit(root, 0);
  return lines.join('\n') + '\n';
}

function foldedChild(node: Node): Node | undefined {
  if (node.kind === 'list-item' && !node.background) return node.body;
  if (node.kind === 'and-or' && node.rest.length === 0) return node.first;
  if (node.kind === 'pipeline' && node.stages.length === 1 && !node.negated) return node.stages[0];
  return undefined;
}

function isPlainWord(node: Node): boolean {
  return node.kind === 'word' && node.parts.length === 1 && node.parts[0]!.kind === 'text';
}

function describe(node: Node): string {
  const where = `${node.kind} ${node.span.start}-${node.span.end}`;
  switch (node.kind) {
    case 'list-item':
      return `${where} background`;
    case 'command':
      return node.forced ? `${where} forced=${node.forced}` : where;
    case 'fanout':
      return `${where} ${node.braced ? 'braced' : 'bare'}`;
    case 'route':
      return `${where} @${node.capability}`;
    case 'file-redirect':
    case 'dup-redirect':
      return `${where} ${node.operator}`;
    case 'here-doc': {
      const flags = [node.stripTabs ? 'strip-tabs' : '', node.expand ? '' : 'literal'].filter(Boolean).join(' ');
      return `${where} ${JSON.stringify(node.delimiter)}${flags ? ' ' + flags : ''} body ${node.bodySpan.start}-${node.bodySpan.end}`;
    }
    case 'word':
      return node.parts.length === 1 && node.parts[0]!.kind === 'text' ? `${where} ${JSON.stringify(node.parts[0].value)}` : where;
    case 'text':
      return `${where} ${JSON.stringify(node.value)}`;
    case 'variable':
      return `${where} $${node.name}${node.quoted ? ' quoted' : ''}`;
    case 'substitution':
      return node.quoted ? `${where} quoted` : where;
    case 'glob':
      return `${where} ${JSON.stringify(node.value)}`;
    case 'while':
      return node.until ? `until ${node.span.start}-${node.span.end}` : where;
    case 'for':
      return `${where} ${node.variable}${node.words ? '' : ' (the positional parameters)'}`;
    case 'assignment':
      return `${where} ${node.name}`;
    case 'pipeline':
      return node.negated ? `${where} negated` : where;
    default:
      return where;
  }
}
