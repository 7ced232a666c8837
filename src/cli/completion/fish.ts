/**
 * The fish completion script: one function reads the command line as the
 * bash and zsh scripts do and prints the candidates, each with its
 * description after a tab; fish filters them by what is typed.
 */
import type { ArgumentKind, CompletionModel, FlagSpec } from './model.js';

export function fishScript(model: CompletionModel): string {
  return `# aish completion for fish.
# Now:            aish completion fish | source
# Every session:  aish completion fish > ~/.config/fish/completions/aish.fish

# Names aish knows now (specialists, sessions, capabilities), one a line; quiet on failure.
function __aish_names --argument-names kind
    set -l aish (commandline -opc)[1]
    command -q -- $aish; or set aish aish
    $aish $__aish_server completion --list $kind 2>/dev/null
end

# The value of -c: a specialist to start the line with, or an @capability.
function __aish_line --argument-names cur
    switch $cur
        case '@*'
            for name in (__aish_names capabilities)
                echo @$name
            end
        case '[A-Za-z]*'
            __aish_names specialists
    end
end

# Succeeds when flag $argv[2] of command $argv[1] ('' for aish itself) takes a value.
function __aish_takes_value
    switch "$argv[1] $argv[2]"
${takesValue(model)}
    end
    return 1
end

function __aish_complete
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l cur (commandline -ct)
    set -g __aish_server
    set -l command ''
    set -l args
    set -l expect ''
    for token in $tokens
        if test -n "$expect"
            if contains -- $expect -s --server --token; and test -z "$command"
                set -a __aish_server $expect $token
            end
            set expect ''
            continue
        end
        switch $token
            case '--server=*' '--token=*'
                test -z "$command"; and set -a __aish_server $token
            case '-*'
                __aish_takes_value "$command" $token; and set expect $token
            case '*'
                if test -z "$command"
                    set command $token
                else
                    set -a args $token
                end
        end
    end
    if test -n "$expect"
        switch $expect
${valueCases(model)}
        end
        return
    end
    if string match -q -- '-*' "$cur"
        switch "$command"
${flagCases(model)}
        end
        return
    end
    switch "$command"
        case ''
${model.commands.map((command) => `            ${candidate(command.name, command.description)}`).join('\n')}
            __fish_complete_path "$cur"
${argumentCases(model)}
        case '*'
            __fish_complete_path "$cur"
    end
end

complete -c aish -e
complete -c aish -f -a '(__aish_complete)'
`;
}

/** A single-quoted fish word. */
function quote(text: string): string {
  return `'${text.replace(/[\\']/g, '\\$&')}'`;
}

/** Prints one candidate with its description. */
function candidate(word: string, description: string): string {
  return `printf '%s\\t%s\\n' ${quote(word)} ${quote(description)}`;
}

function takesValue(model: CompletionModel): string {
  const patterns: string[] = [];
  const add = (command: string, flags: FlagSpec[]): void => {
    for (const flag of flags) if (flag.value !== undefined) for (const name of flag.names) patterns.push(quote(`${command} ${name}`));
  };
  add('', model.globalFlags);
  for (const command of model.commands) add(command.name, command.flags);
  return patterns.length ? `        case ${patterns.join(' ')}\n            return 0` : '';
}

function valueCases(model: CompletionModel): string {
  const byKind = new Map<string, Set<string>>();
  for (const flag of [...model.globalFlags, ...model.commands.flatMap((command) => command.flags)]) {
    if (flag.value === undefined || flag.value === 'none') continue;
    const names = byKind.get(flag.value) ?? new Set();
    for (const name of flag.names) names.add(name);
    byKind.set(flag.value, names);
  }
  const action = { sessions: '__aish_names sessions', specialists: '__aish_names specialists', files: '__fish_complete_path "$cur"', line: '__aish_line "$cur"' } as const;
  return [...byKind].map(([kind, names]) => `            case ${[...names].map(quote).join(' ')}\n                ${action[kind as keyof typeof action]}`).join('\n');
}

function flagCases(model: CompletionModel): string {
  const lines = (flags: FlagSpec[]): string[] => flags.flatMap((flag) => flag.names.map((name) => `                ${candidate(name, flag.description)}`));
  const cases = [`            case ''`, ...lines(model.globalFlags)];
  for (const command of model.commands) cases.push(`            case ${quote(command.name)}`, ...lines(command.flags));
  return cases.join('\n');
}

function argumentCases(model: CompletionModel): string {
  return model.commands
    .map((command) => {
      const steps = command.args.map((kind, index) => `            if test (count $args) -eq ${index}\n${argumentAction(kind, '                ')}\n            end`);
      if (command.name === 'sessions') {
        const targets = Object.entries(model.sessionTargets).map(
          ([verb, kind]) => `                    case ${quote(verb)}\n${argumentAction(kind, '                        ')}${'files' in kind ? `\n                        ${candidate('-', 'read stdin')}` : ''}`,
        );
        steps.push(`            if test (count $args) -eq 1\n                switch $args[1]\n${targets.join('\n')}\n                end\n            end`);
      }
      return [`        case ${quote(command.name)}`, ...steps].join('\n');
    })
    .join('\n');
}

function argumentAction(kind: ArgumentKind, indent: string): string {
  if ('words' in kind) return kind.words.map((entry) => `${indent}${candidate(entry.word, entry.description)}`).join('\n');
  if ('names' in kind) return `${indent}__aish_names ${kind.names}`;
  return `${indent}__fish_complete_path "$cur"`;
}
