# Sourced by every script of this buildpack. `record <extra> "$@"` appends one line describing the
# invocation to $FIXTURE_LOG (nothing when unset), fields separated by tabs:
#   script name, $0, physical cwd, stdin (eof | data | open), $FIXTURE_MARK (or <unset>),
#   kind of each argument (d = directory, f = other file, - = missing), <extra>, the arguments.
# It also writes the script's environment (NUL-separated) to $FIXTURE_LOG.<script>.env.
# Reading stdin: /dev/null gives eof at once; an inherited open pipe gives data or, after 3 s, open.

record() {
  local extra=$1
  shift
  local log=${FIXTURE_LOG:-/dev/null}
  local script=${0##*/}
  local stdin line=
  if IFS= read -r -t 3 line; then
    stdin=data
  elif [ $? -gt 128 ]; then
    stdin=open
  elif [ -n "$line" ]; then
    stdin=data
  else
    stdin=eof
  fi
  local kinds= arg
  for arg in "$@"; do
    if [ -d "$arg" ]; then kinds+=d; elif [ -e "$arg" ]; then kinds+=f; else kinds+=-; fi
  done
  local fields=("$script" "$0" "$(pwd -P)" "$stdin" "${FIXTURE_MARK-<unset>}" "$kinds" "$extra" "$@")
  (IFS=$'\t'; printf '%s\n' "${fields[*]}") >> "$log"
  if [ -n "${FIXTURE_LOG:-}" ]; then env -0 > "$FIXTURE_LOG.$script.env"; fi
}

# The entries of the deps dir, space-separated, in glob order.
deps_listing() {
  local entries=() e
  for e in "$1"/* "$1"/.*; do
    case ${e##*/} in . | .. | '*' | '.*') continue ;; esac
    entries+=("${e##*/}")
  done
  printf '%s' "${entries[*]}"
}
