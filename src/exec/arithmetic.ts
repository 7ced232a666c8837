/**
 * `$(( … ))`: sh arithmetic on 64-bit signed integers. The text arrives with
 * `$` expansions already done; names are looked up (an empty or unset one is
 * 0, a value that is itself an expression is evaluated), and `=`, `+=`, `++`
 * … assign back. A bad expression or a division by zero is an
 * `ArithmeticError`, which the runner reports with status 1.
 */

/** A bad arithmetic expression; the message says what is wrong. */
export class ArithmeticError extends Error {
  override readonly name = 'ArithmeticError';
}

export interface ArithmeticScope {
  get(name: string): string;
  set(name: string, value: string): void;
}

const TOKEN = /\s*(0[xX][0-9a-fA-F]+|[0-9]+|[A-Za-z_][A-Za-z0-9_]*|\+\+|--|<<=|>>=|<<|>>|<=|>=|==|!=|&&|\|\||[-+*/%&|^]=|[-+*/%()<>!~&|^?:=,])/y;
const MAX_DEPTH = 64;

type Token = string;

/** Evaluates an arithmetic expression; the result is a decimal string. */
export function evaluateArithmetic(text: string, scope: ArithmeticScope, depth = 0): string {
  if (depth > MAX_DEPTH) throw new ArithmeticError('expression recursion level exceeded');
  const tokens = tokenize(text);
  if (tokens.length === 0) return '0';
  const parser = new ExpressionParser(tokens, text, scope, depth);
  const value = parser.comma();
  if (!parser.done) throw new ArithmeticError(`syntax error in expression (error token is "${parser.rest()}")`);
  return value.toString();
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  for (;;) {
    while (at < text.length && /\s/.test(text.charAt(at))) at++;
    if (at >= text.length) return tokens;
    TOKEN.lastIndex = at;
    const match = TOKEN.exec(text);
    if (!match) throw new ArithmeticError(`syntax error: invalid arithmetic operator (error token is "${text.slice(at)}")`);
    tokens.push(match[1]!);
    at = TOKEN.lastIndex;
  }
}

const wrap = (value: bigint): bigint => BigInt.asIntN(64, value);
const truth = (value: boolean): bigint => (value ? 1n : 0n);

/** Precedence climbing over sh's operators, lowest first. */
const BINARY: readonly (readonly string[])[] = [
  ['||'],
  ['&&'],
  ['|'],
  ['^'],
  ['&'],
  ['==', '!='],
  ['<', '<=', '>', '>='],
  ['<<', '>>'],
  ['+', '-'],
  ['*', '/', '%'],
];

class ExpressionParser {
  private index = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly text: string,
    private readonly scope: ArithmeticScope,
    private readonly depth: number,
  ) {}

  get done(): boolean {
    return this.index >= this.tokens.length;
  }

  rest(): string {
    return this.tokens.slice(this.index).join(' ') || this.text;
  }

  private peek(): Token | undefined {
    return this.tokens[this.index];
  }

  private take(): Token {
    const token = this.tokens[this.index++];
    if (token === undefined) throw new ArithmeticError(`syntax error: operand expected (error token is "${this.text.trim()}")`);
    return token;
  }

  comma(): bigint {
    let value = this.assignment();
    while (this.peek() === ',') {
      this.index++;
      value = this.assignment();
    }
    return value;
  }

  private assignment(): bigint {
    const name = this.tokens[this.index];
    const operator = this.tokens[this.index + 1];
    if (name !== undefined && isName(name) && operator !== undefined && /^([-+*/%&|^]|<<|>>)?=$/.test(operator)) {
      this.index += 2;
      const right = this.assignment();
      const value = operator === '=' ? right : this.apply(operator.slice(0, -1), this.variable(name), right);
      this.scope.set(name, value.toString());
      return value;
    }
    return this.conditional();
  }

  private conditional(): bigint {
    const condition = this.binary(0);
    if (this.peek() !== '?') return condition;
    this.index++;
    const whenTrue = this.assignment();
    if (this.take() !== ':') throw new ArithmeticError("syntax error: ':' expected for conditional expression");
    const whenFalse = this.assignment();
    return condition !== 0n ? whenTrue : whenFalse;
  }

  private binary(level: number): bigint {
    if (level >= BINARY.length) return this.unary();
    let left = this.binary(level + 1);
    for (;;) {
      const operator = this.peek();
      if (operator === undefined || !BINARY[level]!.includes(operator)) return left;
      this.index++;
      const right = this.binary(level + 1);
      left = this.apply(operator, left, right);
    }
  }

  private apply(operator: string, left: bigint, right: bigint): bigint {
    switch (operator) {
      case '+':
        return wrap(left + right);
      case '-':
        return wrap(left - right);
      case '*':
        return wrap(left * right);
      case '/':
      case '%':
        if (right === 0n) throw new ArithmeticError('division by 0');
        return wrap(operator === '/' ? left / right : left % right);
      case '<<':
        return wrap(left << (right & 63n));
      case '>>':
        return wrap(left >> (right & 63n));
      case '&':
        return wrap(left & right);
      case '|':
        return wrap(left | right);
      case '^':
        return wrap(left ^ right);
      case '&&':
        return truth(left !== 0n && right !== 0n);
      case '||':
        return truth(left !== 0n || right !== 0n);
      case '==':
        return truth(left === right);
      case '!=':
        return truth(left !== right);
      case '<':
        return truth(left < right);
      case '<=':
        return truth(left <= right);
      case '>':
        return truth(left > right);
      case '>=':
        return truth(left >= right);
      default:
        throw new ArithmeticError(`unknown operator '${operator}'`);
    }
  }

  private unary(): bigint {
    const token = this.take();
    switch (token) {
      case '-':
        return wrap(-this.unary());
      case '+':
        return this.unary();
      case '!':
        return truth(this.unary() === 0n);
      case '~':
        return wrap(~this.unary());
      case '++':
      case '--': {
        const name = this.take();
        if (!isName(name)) throw new ArithmeticError(`syntax error: '${token}' needs a variable`);
        const value = wrap(this.variable(name) + (token === '++' ? 1n : -1n));
        this.scope.set(name, value.toString());
        return value;
      }
      case '(': {
        const value = this.comma();
        if (this.take() !== ')') throw new ArithmeticError("syntax error: ')' expected");
        return value;
      }
    }
    if (/^[0-9]/.test(token)) return parseNumber(token);
    if (!isName(token)) throw new ArithmeticError(`syntax error: operand expected (error token is "${token}")`);
    const next = this.peek();
    if (next === '++' || next === '--') {
      this.index++;
      const value = this.variable(token);
      this.scope.set(token, wrap(value + (next === '++' ? 1n : -1n)).toString());
      return value;
    }
    return this.variable(token);
  }

  /** A variable's value: empty is 0, a number is read, anything else is evaluated as an expression. */
  private variable(name: string): bigint {
    const text = this.scope.get(name).trim();
    if (text === '') return 0n;
    if (/^-?[0-9]+$/.test(text)) return wrap(BigInt(text));
    return BigInt(evaluateArithmetic(text, this.scope, this.depth + 1));
  }
}

function isName(token: string): boolean {
  return /^[A-Za-z_]/.test(token);
}

function parseNumber(token: string): bigint {
  if (/^0[xX]/.test(token)) return wrap(BigInt(token));
  if (/^0[0-7]+$/.test(token)) return wrap(BigInt('0o' + token.slice(1)));
  if (/^[0-9]+$/.test(token) && !/^0[0-9]/.test(token)) return wrap(BigInt(token));
  throw new ArithmeticError(`value too great for base (error token is "${token}")`);
}
