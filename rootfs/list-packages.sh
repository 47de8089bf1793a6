#!/bin/sh
# Prints the Debian packages of a stack profile, one per line, in the order of the package list.
#   list-packages.sh PROFILE [LIST]     PROFILE is minimal or full; LIST defaults to packages.list beside this script
#   list-packages.sh --get KEY [LIST]   prints a setting of the list (version, suite)
# The same rules are implemented in packages/stack/src/package-list.ts; test/stack/docker.test.ts keeps them equal.
set -eu
here=$(dirname "$0")
case "${1:-}" in
  --get)
    [ -n "${2:-}" ] || { echo "usage: $0 --get KEY [LIST]" >&2; exit 2; }
    list=${3:-$here/packages.list}
    awk -v key="$2" '
      { sub(/#.*/, ""); gsub(/^[ \t]+|[ \t]+$/, "") }
      /^\[/ { exit }
      $1 == key { print $2; found = 1; exit }
      END { if (!found) { print "list-packages.sh: no setting \"" key "\"" > "/dev/stderr"; exit 1 } }
    ' "$list"
    ;;
  minimal|full)
    list=${2:-$here/packages.list}
    awk -v profile="$1" '
      { sub(/#.*/, ""); gsub(/^[ \t]+|[ \t]+$/, "") }
      $0 == "" { next }
      /^\[.*\]$/ { section = substr($0, 2, length($0) - 2); next }
      section == "minimal" || (profile == "full" && section == "full") { print $1 }
    ' "$list"
    ;;
  *)
    echo "usage: $0 minimal|full [LIST] | --get KEY [LIST]" >&2
    exit 2
    ;;
esac
