/** Markdown answers from the real CLI: raw into pipes and files, formatted on a terminal or with --render. */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AISH, aishC, homeWithConfig, runAish, tempHome, testEnv } from '../support/aish.js';

const ESC = '\x1b[';
const ANSWER_LINE = `printf 'intro\\n# Title\\n- item with \`code\`\\n' | apollo`;
/** What the echo model answers to ANSWER_LINE, as raw text. */
const RAW = '[apollo] intro\n# Title\n- item with `code`\n';

const stripAnsi = (text: string): string => text.replace(/\x1b\[[0-9;]*m/g, '');

describe('answers into a pipe or a file', () => {
  it('are raw text even when config.yaml says render: always', async () => {
    const result = await aishC(ANSWER_LINE, { home: homeWithConfig('render: always\n') });
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(RAW);
  });

  it('--render forces formatting even into a pipe', async () => {
    const result = await runAish(['--render', '-c', ANSWER_LINE]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`${ESC}1m${ESC}4mTitle`);
    expect(result.stdout).toContain(`${ESC}36mcode`);
    expect(stripAnsi(result.stdout)).toBe('[apollo] intro\nTitle\n• item with code\n');
  });

  it('--render with NO_COLOR keeps the layout and writes no escape codes', async () => {
    const result = await runAish(['--render', '-c', ANSWER_LINE], { env: { NO_COLOR: '1' } });
    expect(result.stdout).not.toContain('\x1b');
    expect(result.stdout).toBe('[apollo] intro\n# Title\n• item with `code`\n');
  });

  it('--render never formats what a redirect writes to a file', async () => {
    const home = tempHome();
    const result = await runAish(['--render', '-c', `${ANSWER_LINE} > answer.md`], { home });
    expect(result.status).toBe(0);
    expect(readFileSync(join(home, 'answer.md'), 'utf8')).toBe(RAW);
  });

  it('--render leaves an AI stage’s --json result alone', async () => {
    const result = await runAish(['--render', '-c', 'echo "# hi" | apollo --json']);
    expect(JSON.parse(result.stdout)).toMatchObject({ content: '[apollo] # hi\n', specialist_id: 'apollo' });
  });

  it('--render renders each fan-out answer under its header', async () => {
    const result = await runAish(['--render', '-c', `printf 'x\\n- item\\n' | apollo,athena`]);
    expect(result.status).toBe(0);
    expect(stripAnsi(result.stdout)).toBe('── apollo ──\n[apollo] x\n• item\n── athena ──\n[athena] x\n• item\n');
  });

  it('--render and --raw together are an error', async () => {
    const result = await runAish(['--render', '--raw', '-c', 'echo hi']);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/--render.*--raw|--raw.*--render/);
    expect(result.stdout).toBe('');
  });

  it('a render: value other than auto, always or never is a config error that names it', async () => {
    const result = await aishC('echo hi | apollo', { home: homeWithConfig('render: sometimes\n') });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('render');
    expect(result.stderr).toContain('expected auto, always or never');
  });
});

describe('answers on a terminal (tmux)', () => {
  const socket = `aish-render-${process.pid}`;
  afterAll(() => {
    try {
      // tmux leaves its socket file behind: ask where it is before stopping the server.
      const socketPath = execFileSync('tmux', ['-L', socket, 'display-message', '-p', '#{socket_path}'], { encoding: 'utf8' }).trim();
      execFileSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' });
      rmSync(socketPath, { force: true });
    } catch {
      // No server left to stop.
    }
  });

  /** `-q -c ANSWER_LINE` quoted for the shell tmux runs. */
  const TERMINAL_ARGS = `-q -c "${ANSWER_LINE.replace(/"/g, '\\"').replace(/`/g, '\\`')}"`;

  /** Runs `aish ARGS` in a real pseudo-terminal and returns the screen with its colours. */
  async function onTerminal(name: string, args: string, home: string, extra: Record<string, string> = {}): Promise<string> {
    const env = testEnv(home, extra);
    const exports = Object.entries(env).map(([key, value]) => `${key}='${value}'`).join(' ');
    execFileSync('tmux', ['-L', socket, 'new-session', '-d', '-s', name, '-x', '100', '-y', '20', `env -i ${exports} ${AISH} ${args}; echo '<<done>>'; sleep 60`]);
    for (let tries = 0; tries < 100; tries++) {
      const screen = execFileSync('tmux', ['-L', socket, 'capture-pane', '-e', '-p', '-t', name], { encoding: 'utf8' });
      if (screen.includes('<<done>>')) return screen;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`aish did not finish on the terminal: ${name}`);
  }

  it('are formatted by default (render: auto)', async () => {
    const screen = await onTerminal('auto', TERMINAL_ARGS, tempHome());
    expect(screen).toContain(ESC);
    expect(stripAnsi(screen)).toContain('• item with code');
  });

  it('are raw on a TERM=dumb terminal, unless config.yaml says render: always (then laid out, without colour)', async () => {
    const dumb = await onTerminal('dumb', TERMINAL_ARGS, tempHome(), { TERM: 'dumb' });
    expect(dumb).toContain('- item with `code`');
    const always = await onTerminal('always', TERMINAL_ARGS, homeWithConfig('render: always\n'), { TERM: 'dumb' });
    expect(stripAnsi(always)).toContain('• item with `code`');
  });

  it('are raw with render: never in config.yaml', async () => {
    const screen = await onTerminal('never', TERMINAL_ARGS, homeWithConfig('render: never\n'));
    expect(screen).toContain('- item with `code`');
    expect(screen).not.toContain('•');
  });
});
