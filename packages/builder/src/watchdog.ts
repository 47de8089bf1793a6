// Buildpack scripts run in process groups of their own, so they would outlive a builder that is killed
// outright (SIGKILL, the OOM killer) and go on writing into the build cache the next staging uses.
// Node cannot set PR_SET_PDEATHSIG, and that would reach only the direct child anyway. Instead a tiny
// shell in its own process group holds the read end of a pipe; the builder writes `+<pgid>` and
// `-<pgid>` as scripts start and end. When the pipe reaches end of file, because the builder has
// exited in any way, the watchdog ends the groups still listed: TERM, up to 2 s, then KILL. After a
// normal exit the list is empty and it just exits.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';

const SHELL = '/bin/sh';

// POSIX sh (dash, bash, busybox): only builtins, plus `sleep` for the grace period.
const SCRIPT = `trap '' HUP INT
g=' '
while read -r op p; do
  case $op in
    +) g="$g$p " ;;
    -) case $g in *" $p "*) g="\${g%% $p *} \${g#* $p }" ;; esac ;;
  esac
done
set -- $g
[ $# -eq 0 ] && exit 0
for p; do kill -s TERM -- "-$p" 2>/dev/null; done
i=0
while [ $i -lt 20 ]; do
  alive=
  for p; do kill -s 0 -- "-$p" 2>/dev/null && alive=1; done
  [ -z "$alive" ] && exit 0
  sleep 0.1 2>/dev/null || sleep 1
  i=$((i + 1))
done
for p; do kill -s KILL -- "-$p" 2>/dev/null; done
exit 0
`;

let watchdog: ChildProcess | undefined;

/** Starts the watchdog; without /bin/sh there is none, and children of a killed builder may survive. */
export function startWatchdog(): void {
  if (watchdog !== undefined || process.platform !== 'linux' || !fs.existsSync(SHELL)) return;
  try {
    watchdog = spawn(SHELL, ['-c', SCRIPT, 'builder-watchdog'], {
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
      env: { PATH: process.env.PATH || '/usr/local/bin:/usr/bin:/bin' },
    });
  } catch {
    watchdog = undefined;
    return;
  }
  watchdog.on('error', () => (watchdog = undefined));
  watchdog.stdin!.on('error', () => {
    // the watchdog is gone: nothing more to tell it
  });
  // Neither the process nor its pipe may keep a finished builder alive.
  watchdog.unref();
  (watchdog.stdin as unknown as { unref?: () => void }).unref?.();
}

function tell(line: string): void {
  if (watchdog?.stdin?.writable) watchdog.stdin.write(line);
}

/** A buildpack process group started (its leader's pid is the group id). */
export function watchdogAdd(pgid: number): void {
  tell(`+ ${pgid}\n`);
}

/** The group's leader has exited; the group is not ours to end any more. */
export function watchdogRemove(pgid: number): void {
  tell(`- ${pgid}\n`);
}
