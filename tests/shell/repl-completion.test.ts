/** Tab completion at the prompt: which names the word under the cursor can become. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Cached, listFiles } from '../../src/shell/completion-sources.js';
import { completeLine, type CompletionSources } from '../../src/shell/completion.js';

const folder = mkdtempSync(join(tmpdir(), 'aish-complete-'));
mkdirSync(join(folder, 'src'));
writeFileSync(join(folder, 'README.md'), '');
writeFileSync(join(folder, 'review notes.txt'), '');
writeFileSync(join(folder, '.hidden'), '');
writeFileSync(join(folder, 'src', 'app.ts'), '');

const sources: CompletionSources = {
  specialists: async () => ({ ids: ['apollo', 'athena', 'hermes'], aliases: new Map([['apollo-ai', 'apollo']]) }),
  capabilities: async () => ['code-analysis', 'communication', 'reasoning'],
  sessions: async () => ['demo', 'ses_123', 'design-review'],
  aliases: () => ['review'],
  variables: () => ['GREETING'],
  executables: (prefix) => ['apropos', 'cat', 'git', 'grep'].filter((name) => name.startsWith(prefix)),
  files: (prefix, foldersOnly) => listFiles(`${folder}/${prefix}`, foldersOnly).map((path) => path.slice(folder.length + 1)),
};

async function complete(line: string): Promise<{ candidates: string[]; replaces: string }> {
  const [candidates, replaces] = await completeLine(line, sources);
  return { candidates, replaces };
}

describe('completing the first word of a stage', () => {
  it('offers specialists, their aliases, builtins and shell aliases; one match ends with a space', async () => {
    expect(await complete('her')).toEqual({ candidates: ['hermes '], replaces: 'her' });
    expect(await complete('apo')).toEqual({ candidates: ['apollo', 'apollo-ai'], replaces: 'apo' });
    expect((await complete('a')).candidates).toEqual(['ais', 'alias', 'apollo', 'apollo-ai', 'athena']);
    expect((await complete('rev')).candidates).toEqual(['review ']);
    expect((await complete('ses')).candidates).toEqual(['sessions ']);
  });

  it('prefers aish names to PATH commands, and offers PATH commands when none fits', async () => {
    expect((await complete('ap')).candidates).not.toContain('apropos');
    expect((await complete('gr')).candidates).toEqual(['grep ']);
  });

  it('after |, &&, ;, ( and inside a fan-out', async () => {
    expect((await complete('echo hi | ath')).candidates).toEqual(['athena ']);
    expect((await complete('true && ath')).candidates).toEqual(['athena ']);
    expect((await complete('ls; ath')).candidates).toEqual(['athena ']);
    expect((await complete('(ath')).candidates).toEqual(['athena ']);
    expect(await complete('apollo,ath')).toEqual({ candidates: ['athena '], replaces: 'ath' });
    expect((await complete('{apollo|ath')).candidates).toEqual(['athena ']);
  });

  it('offers the reserved words where a command starts', async () => {
    expect((await complete('whi')).candidates).toEqual(['while ']);
    expect((await complete('unt')).candidates).toEqual(['until ']);
  });

  it('offers @capabilities after @', async () => {
    expect(await complete('@co')).toEqual({ candidates: ['@code-analysis', '@communication'], replaces: '@co' });
    expect((await complete('echo x | @rea')).candidates).toEqual(['@reasoning ']);
  });

  it('offers only PATH commands after ! or command', async () => {
    expect((await complete('!gi')).candidates).toEqual(['!git ']);
    expect((await complete('command ca')).candidates).toEqual(['cat ']);
  });
});

describe("completing an AI stage's words", () => {
  it('offers its flags', async () => {
    expect((await complete('apollo --se')).candidates).toEqual(['--session ']);
    expect((await complete('apollo "review this" --no')).candidates).toEqual(['--no-stream', '--no-tools']);
    expect((await complete('apollo "review this" --no-s')).candidates).toEqual(['--no-stream ']);
    expect((await complete('apollo,athena --js')).candidates).toEqual(['--json ']);
    expect((await complete('{apollo|athena} --js')).candidates).toEqual(['--json ']);
    expect((await complete('@code-analysis --thr')).candidates).toEqual(['--threshold ']);
    expect((await complete('apol --temp')).candidates).toEqual(['--temperature ']);
  });

  it('offers session ids and names after --session', async () => {
    expect((await complete('apollo --session d')).candidates).toEqual(['demo', 'design-review']);
    expect((await complete('echo hi | apollo --session ses')).candidates).toEqual(['ses_123 ']);
    expect((await complete('apollo --session=de')).candidates).toEqual(['--session=demo', '--session=design-review']);
  });

  it('offers nothing for the instruction, which is free text', async () => {
    expect((await complete('apollo re')).candidates).toEqual([]);
  });
});

describe('completing file names', () => {
  it('after >, >>, <, 2> and 2>>, with or without a space', async () => {
    for (const line of ['echo hi | apollo > RE', 'apollo >> RE', 'apollo < RE', 'cat x 2> RE', 'cat x 2>>RE', 'apollo >RE']) {
      expect((await complete(line)).candidates, line).toEqual(['README.md ']);
    }
  });

  it("as a Unix command's arguments and a builtin's, folders ending in / without a space", async () => {
    expect((await complete('cat sr')).candidates).toEqual(['src/']);
    expect((await complete('cat src/a')).candidates).toEqual(['src/app.ts ']);
    expect((await complete('source RE')).candidates).toEqual(['README.md ']);
    expect((await complete('cd ')).candidates).toEqual(['src/']);
  });

  it('escapes special characters, or completes inside the quote already open', async () => {
    expect(await complete('cat rev')).toEqual({ candidates: ['review\\ notes.txt '], replaces: 'rev' });
    expect(await complete('cat "rev')).toEqual({ candidates: ['"review notes.txt" '], replaces: '"rev' });
  });

  it('shows dot files only when the word starts with a dot', async () => {
    expect((await complete('cat ')).candidates).not.toContain('.hidden');
    expect((await complete('cat .h')).candidates).toEqual(['.hidden ']);
  });
});

describe('completing builtin arguments', () => {
  it('offers sessions subcommands and then sessions, variables for unset, aliases for unalias', async () => {
    expect((await complete('sessions s')).candidates).toEqual(['show ']);
    expect((await complete('sessions rm de')).candidates).toEqual(['demo', 'design-review']);
    // The verbs come from the builtin's own table: renew and the delete alias take sessions too.
    expect((await complete('sessions r')).candidates).toEqual(['renew', 'rm']);
    expect((await complete('sessions renew de')).candidates).toEqual(['demo', 'design-review']);
    expect((await complete('sessions delete de')).candidates).toEqual(['demo', 'design-review']);
    expect((await complete('unset GR')).candidates).toEqual(['GREETING ']);
    expect((await complete('unalias r')).candidates).toEqual(['review ']);
  });

  it('offers nothing in a comment or a here-document delimiter', async () => {
    expect((await complete('echo hi # apo')).candidates).toEqual([]);
    expect((await complete('apollo << EO')).candidates).toEqual([]);
  });
});

describe('the completion cache over a slow service', () => {
  it('answers within its wait with what it has, and a late answer serves the next Tab', async () => {
    let release: (value: string[]) => void = () => {};
    let calls = 0;
    const cached = new Cached(
      () => {
        calls++;
        return new Promise<string[]>((resolve) => (release = resolve));
      },
      60_000,
      20,
    );
    expect(await cached.get()).toBeUndefined();
    release(['apollo']);
    await new Promise((resolve) => setImmediate(resolve));
    expect(await cached.get()).toEqual(['apollo']);
    expect(calls).toBe(1);
  });

  it('keeps the last answer when a later fetch fails, and asks again next time', async () => {
    let calls = 0;
    const cached = new Cached(
      async () => {
        calls++;
        if (calls > 1) throw new Error('server down');
        return ['apollo'];
      },
      0,
      1000,
    );
    expect(await cached.get()).toEqual(['apollo']);
    expect(await cached.get()).toEqual(['apollo']);
    expect(await cached.get()).toEqual(['apollo']);
    expect(calls).toBe(3);
  });
});
