import type { Command, Option } from 'commander';

/** The shells `robustjs completion` writes a script for. */
export const COMPLETION_SHELLS = ['bash', 'zsh'] as const;

/** A shell `robustjs completion` supports. */
export type CompletionShell = (typeof COMPLETION_SHELLS)[number];

/** Flags whose value is a folder or a file: the shell completes paths for them. */
const DIR_VALUE = /<(dir|folder)>/;
const FILE_VALUE = /<(file|partials\.\.\.|protocol)>/;

/** A word list safe inside double quotes in bash and zsh (flags, command names, choices). */
function words(list: readonly string[]): string {
  for (const w of list) {
    if (!/^[A-Za-z0-9_./:+-]+$/.test(w)) throw new Error(`completion: unexpected word '${w}'`);
  }
  return list.join(' ');
}

/** The case branches completing the value of each flag with choices or paths (one per flag). */
function valueBranches(options: readonly Option[]): string[] {
  const seen = new Map<string, string>();
  for (const o of options) {
    const name = o.long;
    if (name === undefined || seen.has(name) || (!o.required && !o.optional)) continue;
    if (o.argChoices !== undefined) {
      seen.set(name, `COMPREPLY=( $(compgen -W "${words(o.argChoices)}" -- "$cur") )`);
    } else if (DIR_VALUE.test(o.flags)) {
      seen.set(name, 'COMPREPLY=( $(compgen -d -- "$cur") )');
    } else if (FILE_VALUE.test(o.flags)) {
      seen.set(name, 'COMPREPLY=( $(compgen -f -- "$cur") )');
    } else {
      seen.set(name, 'COMPREPLY=()'); // a number, URL or id: nothing to suggest
    }
  }
  return [...seen].map(([name, reply]) => `    ${name}) ${reply}; return 0 ;;`);
}

/**
 * The completion script of a `robustjs` program for bash or zsh, generated from the program
 * itself, so it lists exactly the commands and flags `--help` shows (hidden commands are left
 * out). It completes command names, each command's flags, the values of flags with fixed choices
 * (`--backend`, `--norm`, `--defense`, the shell of `completion`), and paths for file and folder
 * flags. The zsh script runs the same function through zsh's `bashcompinit`.
 *
 * @param program - the `robustjs` commander program.
 * @param shell - `'bash'` or `'zsh'`.
 * @returns the script; load it with `source <(robustjs completion bash)` or save it under a
 *   completion folder.
 * @example
 * ```ts
 * process.stdout.write(completionScript(program, 'bash'));
 * ```
 */
export function completionScript(program: Command, shell: CompletionShell): string {
  const help = program.createHelp();
  const commands = help.visibleCommands(program).filter((c) => c.name() !== 'help');
  const lines: string[] = [];
  const allOptions: Option[] = [];
  for (const cmd of commands) {
    const options = help.visibleOptions(cmd);
    allOptions.push(...options);
    const flags = options.flatMap((o) =>
      [o.long, o.short].filter((f): f is string => f !== undefined),
    );
    const args = cmd.registeredArguments.flatMap((a) => a.argChoices ?? []);
    lines.push(`    ${cmd.name()}) opts="${words(flags)}"; args="${words(args)}" ;;`);
  }
  const names = words([...commands.map((c) => c.name()), 'help']);
  const globals = words(
    help
      .visibleOptions(program)
      .flatMap((o) => [o.long, o.short])
      .filter((f): f is string => !!f),
  );
  const fn = [
    '_robustjs() {',
    '  local cur prev cmd opts args',
    '  cur="${COMP_WORDS[COMP_CWORD]}"',
    '  prev="${COMP_WORDS[COMP_CWORD-1]}"',
    '  cmd="${COMP_WORDS[1]}"',
    '  if [[ $COMP_CWORD -eq 1 ]]; then',
    `    COMPREPLY=( $(compgen -W "${names} ${globals}" -- "$cur") )`,
    '    return 0',
    '  fi',
    '  case "$prev" in',
    ...valueBranches(allOptions),
    '  esac',
    '  case "$cmd" in',
    ...lines,
    `    help) opts=""; args="${names}" ;;`,
    '    *) opts=""; args="" ;;',
    '  esac',
    '  if [[ "$cur" == -* ]]; then',
    '    COMPREPLY=( $(compgen -W "$opts --help" -- "$cur") )',
    '  elif [[ -n "$args" ]]; then',
    '    COMPREPLY=( $(compgen -W "$args" -- "$cur") )',
    '  else',
    '    COMPREPLY=( $(compgen -f -- "$cur") )',
    '  fi',
    '  return 0',
    '}',
    'complete -o filenames -F _robustjs robustjs',
  ];
  const header =
    shell === 'bash'
      ? [
          '# robustjs completion for bash. Load it with:',
          '#   source <(robustjs completion bash)',
          '# or save it as ~/.local/share/bash-completion/completions/robustjs',
        ]
      : [
          '#compdef robustjs',
          '# robustjs completion for zsh. Load it with:',
          '#   source <(robustjs completion zsh)',
          "# (runs the bash completion function through zsh's bashcompinit)",
          'if ! type compdef >/dev/null 2>&1; then autoload -U +X compinit && compinit; fi',
          'autoload -U +X bashcompinit && bashcompinit',
        ];
  return `${[...header, ...fn].join('\n')}\n`;
}
