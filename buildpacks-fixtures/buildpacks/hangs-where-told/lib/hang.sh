# Sourced by every script: when $HANG_IN names the calling script, start a grandchild, record both
# PIDs in $HANG_PIDS and wait until killed. With HANG_IGNORES_TERM=1 both ignore SIGTERM, so only
# SIGKILL ends them.
hang_if() {
  [ "${HANG_IN:-}" = "$1" ] || return 0
  if [ "${HANG_IGNORES_TERM:-}" = 1 ]; then trap '' TERM; fi
  sleep 600 &
  echo "$$ $!" > "$HANG_PIDS.tmp" && mv "$HANG_PIDS.tmp" "$HANG_PIDS"
  echo "hangs-where-told: $1 waiting"
  wait
  exit 1
}
