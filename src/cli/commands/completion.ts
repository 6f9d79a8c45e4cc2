/**
 * `ca completion [bash|zsh|fish]`: the script that makes a shell complete `ca`'s commands, flags,
 * profiles and the store's certificate names. Each script asks `ca --get-yargs-completions` for the
 * words (yargs' own protocol, completed by complete.ts), so what it offers is always this `ca`'s.
 */
import type { Argv, CommandModule } from 'yargs';
import { handler } from '../command.js';
import type { GlobalArgs } from '../options.js';

const SHELLS = ['bash', 'zsh', 'fish'] as const;
type Shell = (typeof SHELLS)[number];

interface Args extends GlobalArgs {
  shell?: Shell;
}

// yargs' bash and zsh scripts, named for `ca`; fish's in its own idiom.
const SCRIPTS: Record<Shell, string> = {
  bash: `# ca completion for bash: ca completion bash >> ~/.bashrc
_ca_completions() {
  local cur_word args type_list
  cur_word="\${COMP_WORDS[COMP_CWORD]}"
  args=("\${COMP_WORDS[@]}")
  type_list=$(ca --get-yargs-completions "\${args[@]}" 2>/dev/null)
  COMPREPLY=( $(compgen -W "\${type_list}" -- "\${cur_word}") )
  if [ \${#COMPREPLY[@]} -eq 0 ]; then
    COMPREPLY=()
  fi
  return 0
}
complete -o bashdefault -o default -F _ca_completions ca
`,
  zsh: `#compdef ca
# ca completion for zsh: ca completion zsh > "\${fpath[1]}/_ca" (or >> ~/.zshrc)
_ca_completions() {
  local reply
  local si=$IFS
  IFS=$'\\n' reply=($(COMP_CWORD="$((CURRENT-1))" COMP_LINE="$BUFFER" COMP_POINT="$CURSOR" SHELL=zsh ca --get-yargs-completions "\${words[@]}" 2>/dev/null))
  IFS=$si
  if [[ \${#reply} -gt 0 ]]; then
    _describe 'values' reply
  else
    _default
  fi
}
if [[ "\${zsh_eval_context[-1]}" == "loadautofunc" ]]; then
  _ca_completions "$@"
else
  compdef _ca_completions ca
fi
`,
  fish: `# ca completion for fish: ca completion fish > ~/.config/fish/completions/ca.fish
function __ca_completions
    set -l tokens (commandline -opc) (commandline -ct)
    set -l words (SHELL=fish ca --get-yargs-completions $tokens 2>/dev/null)
    # No words: a file is wanted (ca inspect FILE, --password-file), as bash and zsh fall back to.
    if test (count $words) -eq 0
        __fish_complete_path (commandline -ct)
    else
        printf '%s\n' $words
    end
end
complete -c ca -f -a '(__ca_completions)'
`,
};

export const completionCommand: CommandModule<GlobalArgs, Args> = {
  command: 'completion [shell]',
  describe: 'print a shell completion script: ca completion bash >> ~/.bashrc',
  builder: (y) =>
    y
      .positional('shell', { choices: SHELLS, describe: 'bash, zsh or fish (default: from $SHELL)' })
      .example('ca completion bash >> ~/.bashrc', 'bash')
      .example('ca completion zsh > "${fpath[1]}/_ca"', 'zsh')
      .example('ca completion fish > ~/.config/fish/completions/ca.fish', 'fish') as Argv<Args>,
  handler: handler<Args>(
    () => 'print the completion script',
    async (args, ctx) => {
      const fromEnv = (ctx.env.SHELL ?? '').split('/').pop() as Shell;
      ctx.out.result(SCRIPTS[args.shell ?? (SHELLS.includes(fromEnv) ? fromEnv : 'bash')]);
    },
  ),
};
