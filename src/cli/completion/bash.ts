/**
 * The bash completion script. Plain bash (no bash-completion package
 * needed): `_aish` reads COMP_WORDS up to the cursor, works out the
 * subcommand, its arguments so far and whether an option awaits its value,
 * and fills COMPREPLY. Specialist and session names are asked from aish at
 * Tab time (`aish completion --list …`), from the same server the command
 * line names with `--server`, else AISH_SERVER, else the embedded service.
 */
import type { ArgumentKind, CompletionModel, FlagSpec } from './model.js';

export function bashScript(model: CompletionModel): string {
  return `# aish completion for bash.
# Now:            source <(aish completion bash)
# Every session:  aish completion bash > ~/.local/share/bash-completion/completions/aish
#                 (or add the first line to ~/.bashrc)

# Names aish knows now (specialists, sessions, capabilities), one a line; quiet on failure.
_aish_names() {
  local aish=\${COMP_WORDS[0]}
  command -v -- "$aish" >/dev/null 2>&1 || aish=aish
  "$aish" "\${_aish_server[@]}" completion --list "$1" 2>/dev/null
}

# Adds the words of $1 that start with the current word.
_aish_reply() {
  COMPREPLY+=($(compgen -W "$1" -- "$cur"))
}

_aish_files() {
  local IFS=$'\\n'
  compopt -o filenames 2>/dev/null
  COMPREPLY+=($(compgen -f -- "$cur"))
}

# The value of -c: a specialist to start the line with, or an @capability.
_aish_line() {
  local IFS=$'\\n'
  case $cur in
    @*) COMPREPLY+=($(compgen -P @ -W "$(_aish_names capabilities)" -- "\${cur#@}")) ;;
    [A-Za-z]*) _aish_reply "$(_aish_names specialists)" ;;
  esac
}

# Succeeds when flag $2 of command $1 ('' for aish itself) takes a value.
_aish_takes_value() {
  case "$1 $2" in
${takesValueCases(model)}
  esac
  return 1
}

_aish() {
  COMPREPLY=()
  local cur=\${COMP_WORDS[COMP_CWORD]}
  local -a _aish_server=() words=() args=()
  local i w glue=0 command='' expect=''
  # bash splits a URL at ':' and '--flag=value' at '=': put the pieces back together.
  for ((i = 1; i < COMP_CWORD; i++)); do
    w=\${COMP_WORDS[i]}
    if ((\${#words[@]} > 0)) && [[ $w == : || $w == = || $glue == 1 ]]; then
      words[\${#words[@]}-1]+=$w
      [[ $w == : || $w == = ]] && glue=1 || glue=0
    else
      words+=("$w")
      glue=0
    fi
  done
  for w in "\${words[@]}"; do
    if [[ -n $expect ]]; then
      case $expect in
        -s | --server | --token) [[ -z $command ]] && _aish_server+=("$expect" "$w") ;;
      esac
      expect=''
      continue
    fi
    case $w in
      --server=* | --token=*) [[ -z $command ]] && _aish_server+=("$w") ;;
      -*) _aish_takes_value "$command" "$w" && expect=$w ;;
      *) if [[ -z $command ]]; then command=$w; else args+=("$w"); fi ;;
    esac
  done
  if [[ -n $expect ]]; then
    case $expect in
${valueCases(model)}
    esac
    return 0
  fi
  if [[ $cur == -* ]]; then
    case $command in
${flagCases(model)}
    esac
    return 0
  fi
  case $command in
    '')
      _aish_reply "${model.commands.map((command) => command.name).join(' ')}"
      ((\${#COMPREPLY[@]} == 0)) && _aish_files
      ;;
${argumentCases(model)}
    *) _aish_files ;;
  esac
  return 0
}

complete -F _aish aish
`;
}

const INDENT = '    ';

/** `' -c' | ' --command' | 'serve --port') return 0 ;;` for every flag that takes a value. */
function takesValueCases(model: CompletionModel): string {
  const patterns: string[] = [];
  const add = (command: string, flags: FlagSpec[]): void => {
    for (const flag of flags) if (flag.value !== undefined) for (const name of flag.names) patterns.push(`'${command} ${name}'`);
  };
  add('', model.globalFlags);
  for (const command of model.commands) add(command.name, command.flags);
  return patterns.length ? `${INDENT}${patterns.join(' | ')}) return 0 ;;` : '';
}

function valueCases(model: CompletionModel): string {
  const byKind = new Map<string, Set<string>>();
  for (const flag of [...model.globalFlags, ...model.commands.flatMap((command) => command.flags)]) {
    if (flag.value === undefined || flag.value === 'none') continue;
    const names = byKind.get(flag.value) ?? new Set();
    for (const name of flag.names) names.add(name);
    byKind.set(flag.value, names);
  }
  const action = { sessions: '_aish_reply "$(_aish_names sessions)"', specialists: '_aish_reply "$(_aish_names specialists)"', files: '_aish_files', line: '_aish_line' } as const;
  return [...byKind]
    .map(([kind, names]) => `${INDENT}  ${[...names].join(' | ')}) ${action[kind as keyof typeof action]} ;;`)
    .join('\n');
}

function flagCases(model: CompletionModel): string {
  const words = (flags: FlagSpec[]): string => flags.flatMap((flag) => flag.names.filter((name) => name.startsWith('--'))).join(' ');
  const lines = [`${INDENT}  '') _aish_reply "${words(model.globalFlags)}" ;;`];
  for (const command of model.commands) lines.push(`${INDENT}  ${command.name}) _aish_reply "${words(command.flags)}" ;;`);
  return lines.join('\n');
}

function argumentCases(model: CompletionModel): string {
  return model.commands
    .map((command) => {
      const steps = command.args.map((kind, index) => `((\${#args[@]} == ${index})) && { ${argumentAction(kind)}; }`);
      if (command.name === 'sessions') steps.push(`((\${#args[@]} == 1)) && case \${args[0]} in ${sessionTargetCases(model)} esac`);
      return `${INDENT}${command.name})\n${steps.map((step) => `${INDENT}  ${step}`).join('\n')}\n${INDENT}  ;;`;
    })
    .join('\n');
}

function sessionTargetCases(model: CompletionModel): string {
  return Object.entries(model.sessionTargets)
    .map(([verb, kind]) => `${verb}) ${argumentAction(kind)}${'files' in kind ? '; _aish_reply -' : ''} ;;`)
    .join(' ');
}

function argumentAction(kind: ArgumentKind): string {
  if ('words' in kind) return `_aish_reply "${kind.words.map((entry) => entry.word).join(' ')}"`;
  if ('names' in kind) return `_aish_reply "$(_aish_names ${kind.names})"`;
  return '_aish_files';
}
