/**
 * `run_pipeline` never runs a Unix command for an MCP client unless the
 * config says `mcp: { allow_unix: true }`: every way a command, a file or
 * this machine's environment can hide in a line is refused before anything
 * runs, with a tool error naming what was refused.
 */
import type { Client } from '@modelcontextprotocol/client';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { homeWithConfig, tempHome, startServe, type Served } from '../support/aish.js';
import { httpClient, stdioClient, texts } from './support.js';

let home: string;
let client: Client;

/** A script in the working folder that leaves a mark when it runs. */
const MARK = 'ran.txt';

beforeAll(async () => {
  home = tempHome();
  writeFileSync(join(home, 'mark.sh'), `#!/bin/sh\ntouch ${MARK}\n`, { mode: 0o755 });
  writeFileSync(join(home, 'mark.aish'), `touch ${MARK}\n`);
  client = await stdioClient(home);
}, 60_000);

afterAll(async () => {
  await client?.close();
});

const REFUSED: [string, string, RegExp][] = [
  ['a Unix command', 'ls', /'ls' is a Unix command/],
  ['a Unix command after an AI stage', 'apollo hi | tee out.txt', /'tee' is a Unix command/],
  ['$(…)', `echo $(touch ${MARK})`, /\$\(…\) runs a command line/],
  ['$(…) inside double quotes', `apollo "look: $(touch ${MARK})"`, /\$\(…\) runs a command line/],
  ['backticks', `echo \`touch ${MARK}\``, /backticks/],
  ['backticks inside double quotes', `apollo "x \`touch ${MARK}\`"`, /backticks/],
  ['!cmd', `!touch ${MARK}`, /!NAME runs a Unix command/],
  ['command NAME', `command touch ${MARK}`, /'command' runs a Unix command/],
  ['a redirect to a file', `apollo hi > ${MARK}`, /a redirect to a file/],
  ['an appending redirect', `echo hi >> ${MARK}`, /a redirect to a file/],
  ['a redirect of stderr to a file', `apollo hi 2> ${MARK}`, /a redirect to a file/],
  ['a redirect from a file', 'apollo < /etc/passwd', /a redirect from a file/],
  ['an alias', `alias m='touch ${MARK}'; m`, /'alias' is a builtin/],
  ['a script called by path', './mark.sh', /'\.\/mark\.sh' is a Unix command/],
  ['a script run with sh', 'sh mark.sh', /'sh' is a Unix command/],
  ['source', 'source mark.aish', /'source' is a builtin/],
  ['.', '. mark.aish', /'\.' is a builtin/],
  ['a variable', 'echo $HOME', /\$HOME would read this machine's variables/],
  ['a variable in a message', 'apollo "my key is ${ANTHROPIC_API_KEY}"', /would read this machine's variables/],
  ['~', 'echo ~', /home folder/],
  ['a glob', 'echo *', /pattern characters/],
  ['$((…))', 'echo $((1+2))', /\$\(\(…\)\)/],
  ['a background job', 'apollo hi &', /background job/],
  ['a compound command', `for f in a; do touch ${MARK}; done`, /compound commands/],
  ['an assignment', 'PATH=/tmp apollo hi', /assignments/],
  ['a group holding a command', `echo hi | (touch ${MARK})`, /'touch' is a Unix command/],
  ['a fan-out branch that is a command', `{apollo|touch ${MARK}} << "x"`, /'touch' is a Unix command/],
  ['a builtin that changes things', 'sessions rm x', /'sessions' is a builtin/],
  ['cd', 'cd /', /'cd' is a builtin/],
];

describe('run_pipeline without allow_unix', () => {
  it.each(REFUSED)('refuses %s', async (_what, line, reason) => {
    const result = await client.callTool({ name: 'run_pipeline', arguments: { line } });
    expect(result.isError).toBe(true);
    expect(texts(result)).toHaveLength(1);
    expect(texts(result)[0]).toMatch(/^FORBIDDEN: run_pipeline runs only AI stages/);
    expect(texts(result)[0]).toMatch(reason);
    expect(texts(result)[0]).toContain('mcp: { allow_unix: true }');
    expect(existsSync(join(home, MARK))).toBe(false);
  });

  it.each([
    ['a pipeline of AI stages', 'echo hi | apollo | athena', '[athena] [apollo] hi\n'],
    ['a fan-out', 'apollo,athena << "x"', '── apollo ──\n[apollo] x\n── athena ──\n[athena] x\n'],
    ['@capability', '@code-analysis << "y"', '[apollo] y\n'],
    ['a here-document', 'apollo << EOF\nline one\nEOF', '[apollo] line one\n'],
    ['quoted pattern characters and a single-quoted backtick', `apollo '* and \`x\`'`, '[apollo] * and `x`\n'],
    ['lists of AI pipelines', 'apollo a && athena b; echo done', '[apollo] a\n[athena] b\ndone\n'],
  ])('allows %s', async (_what, line, stdout) => {
    const result = await client.callTool({ name: 'run_pipeline', arguments: { line } });
    expect(texts(result)).toEqual([stdout, 'exit status 0']);
  });
});

describe('run_pipeline with mcp: { allow_unix: true }', () => {
  let served: Served;
  let allowed: Client;

  beforeAll(async () => {
    served = await startServe(homeWithConfig('mcp: { allow_unix: true }\n'));
    allowed = await httpClient(served.url);
  }, 60_000);

  afterAll(async () => {
    await allowed?.close();
    await served?.stop();
  });

  it('runs Unix commands, with its input and its exit status', async () => {
    const result = await allowed.callTool({ name: 'run_pipeline', arguments: { line: 'apollo | wc -l; false', input: 'one\ntwo\n' } });
    expect(texts(result)).toEqual(['2\n', 'exit status 1']);
    expect(result.isError).toBe(true);
  });
});
