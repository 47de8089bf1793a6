// The bash scripts the launcher and the shell exec into (CONTRACT §3.5, §4). `$1` is the app directory,
// `$2` the start command; profile scripts are sourced in the same shell, so their exports reach the app.

/** Sources every entry of a glob when listing it prints anything (quirk Q22 fixed in part: names are quoted). */
function sourceAll(glob: string): string {
  return `if [ -n "$(ls ${glob} 2> /dev/null)" ]; then
  for env_file in ${glob}; do
    source "$env_file"
  done
fi
`;
}

/** The launcher's script; `entrypoint` is spliced unquoted (quirk Q21 kept: it is word-split). */
export function launcherScript(entrypoint: string): string {
  // The leading newline puts `cd` on line 2, as in the reference's error messages.
  return `
cd "$1"
echo "Invoking pre-start scripts."
${sourceAll('../profile.d/*')}${sourceAll('.profile.d/*')}if [ -f .profile ]; then
  source .profile
fi
shift
echo "Invoking start command."
exec ${entrypoint} "$@"
`;
}

/** The shell's script: no `.profile`, no messages (quirk Q30 kept). */
export function shellScript(): string {
  return `
cd "$1"
${sourceAll('../profile.d/*')}${sourceAll('.profile.d/*')}shift
exec bash -c "$@"
`;
}
