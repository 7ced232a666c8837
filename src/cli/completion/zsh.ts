/**
 * The zsh completion script: the same reading of the command line as the
 * bash one, with zsh's own tools for showing descriptions (`_describe`) and
 * files (`_files`). Works autoloaded from `fpath` (`#compdef`) or sourced
 * after `compinit`.
 */
import type { ArgumentKind, CompletionModel, FlagSpec } from './model.js';

export function zshScript(model: CompletionModel): string {
  return `#compdef aish
# aish completion for zsh.
# Now (after compinit):  source <(aish completion zsh)
# Every session:         aish completion zsh > "\${fpath[1]}/_aish"   (then start a new zsh)

# Names aish knows now (specialists, sessions, capabilities), one a line; quiet on failure.
_aish_list() {
  local aish=\${words[1]}
  (( \${+commands[$aish]} )) || [[ -x $aish ]] || aish=aish
  "$aish" "\${_aish_server[@]}" completion --list "$1" 2>/dev/null
}

_aish_names() {
  local -a names
  names=(\${(f)"$(_aish_list $1)"})
  compadd -a names
}

# The value of -c: a specialist to start the line with, or an @capability.
_aish_line() {
  local -a names
  case $cur in
    (@*) names=(\${(f)"$(_aish_list capabilities)"}); names=("@"\${^names}); compadd -a names ;;
    ([A-Za-z]*) _aish_names specialists ;;
  esac
}

# Succeeds when flag $2 of command $1 ('' for aish itself) takes a value.
_aish_takes_value() {
  case "$1 $2" in
${takesValue(model)}
  esac
  return 1
}

_aish() {
  local cur=\${words[CURRENT]} command= expect= w
  local -a _aish_server args described
  for w in "\${(@)words[2,CURRENT-1]}"; do
    if [[ -n $expect ]]; then
      case $expect in
        (-s|--server|--token) [[ -z $command ]] && _aish_server+=($expect $w) ;;
      esac
      expect=
      continue
    fi
    case $w in
      (--server=*|--token=*) [[ -z $command ]] && _aish_server+=($w) ;;
      (-*) _aish_takes_value "$command" "$w" && expect=$w ;;
      (*) if [[ -z $command ]]; then command=$w; else args+=($w); fi ;;
    esac
  done
  if [[ -n $expect ]]; then
    case $expect in
${valueCases(model)}
    esac
    return
  fi
  if [[ $cur == -* ]]; then
    case $command in
${flagCases(model)}
    esac
    _describe -t options option described
    return
  fi
  case $command in
    ('')
      described=(${model.commands.map((command) => describedEntry(command.name, command.description)).join(' ')})
      _describe -t commands 'aish command' described
      _files
      ;;
${argumentCases(model)}
    (*) _files ;;
  esac
}

if [ "$funcstack[1]" = "_aish" ]; then
  _aish "$@"
else
  compdef _aish aish
fi
`;
}

/** A single-quoted zsh word. */
function quote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** `name:description` for `_describe`, whose separator is the first unescaped colon. */
function describedEntry(name: string, description: string): string {
  return quote(`${name.replace(/:/g, '\\:')}:${description}`);
}

function takesValue(model: CompletionModel): string {
  const patterns: string[] = [];
  const add = (command: string, flags: FlagSpec[]): void => {
    for (const flag of flags) if (flag.value !== undefined) for (const name of flag.names) patterns.push(quote(`${command} ${name}`));
  };
  add('', model.globalFlags);
  for (const command of model.commands) add(command.name, command.flags);
  return patterns.length ? `    (${patterns.join('|')}) return 0 ;;` : '';
}

function valueCases(model: CompletionModel): string {
  const byKind = new Map<string, Set<string>>();
  for (const flag of [...model.globalFlags, ...model.commands.flatMap((command) => command.flags)]) {
    if (flag.value === undefined || flag.value === 'none') continue;
    const names = byKind.get(flag.value) ?? new Set();
    for (const name of flag.names) names.add(name);
    byKind.set(flag.value, names);
  }
  const action = { sessions: '_aish_names sessions', specialists: '_aish_names specialists', files: '_files', line: '_aish_line' } as const;
  return [...byKind].map(([kind, names]) => `      (${[...names].join('|')}) ${action[kind as keyof typeof action]} ;;`).join('\n');
}

function flagCases(model: CompletionModel): string {
  const entries = (flags: FlagSpec[]): string => flags.flatMap((flag) => flag.names.map((name) => describedEntry(name, flag.description))).join(' ');
  const lines = [`      ('') described=(${entries(model.globalFlags)}) ;;`];
  for (const command of model.commands) lines.push(`      (${command.name}) described=(${entries(command.flags)}) ;;`);
  return lines.join('\n');
}

function argumentCases(model: CompletionModel): string {
  return model.commands
    .map((command) => {
      const steps = command.args.map((kind, index) => `(( \${#args} == ${index} )) && { ${argumentAction(kind)}; }`);
      if (command.name === 'sessions') {
        const targets = Object.entries(model.sessionTargets).map(([verb, kind]) => `(${verb}) ${argumentAction(kind)}${'files' in kind ? '; compadd -- -' : ''} ;;`);
        steps.push(`(( \${#args} == 1 )) && case \${args[1]} in ${targets.join(' ')} esac`);
      }
      return `    (${command.name})\n${steps.map((step) => `      ${step}`).join('\n')}\n      ;;`;
    })
    .join('\n');
}

function argumentAction(kind: ArgumentKind): string {
  if ('words' in kind) return `described=(${kind.words.map((entry) => describedEntry(entry.word, entry.description)).join(' ')}); _describe -t values value described`;
  if ('names' in kind) return `_aish_names ${kind.names}`;
  return '_files';
}
