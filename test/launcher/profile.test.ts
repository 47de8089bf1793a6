// CONTRACT §3.5 steps 3–5: the profile scripts the launcher sources before the start command
// (`../profile.d/*`, then `.profile.d/*`, then `.profile`), in the same shell as the start command.
// Project decision: Q22 fixed in part (names are quoted so a space works; dotfiles skipped, `$1`/`$2`
// visible and a `cd` changing later lookups are kept).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Droplet, LAUNCHER, killLeftovers, launcherStdout } from '../helpers/launch.ts';

let droplet: Droplet;
beforeEach(() => {
  droplet = new Droplet();
});
afterEach(() => {
  killLeftovers();
  droplet.cleanup();
});

/** A profile script that appends `name` to $ORDER and claims $LAST. */
const recorder = (name: string): string =>
  `export ORDER="\${ORDER:+$ORDER }${name}"\nexport LAST=${name}\nexport SEEN_${name.replace(/[^A-Za-z0-9]/g, '_')}=yes\n`;

describe('CONTRACT §3.5 Process start: profile scripts', () => {
  it('sources ../profile.d/* then .profile.d/* then .profile; every export reaches the app and later ones override', async () => {
    droplet.write('profile.d/b.sh', recorder('root_b'));
    droplet.write('profile.d/a.sh', recorder('root_a'));
    droplet.write('app/.profile.d/b.sh', recorder('app_b'));
    droplet.write('app/.profile.d/a.sh', recorder('app_a'));
    droplet.write('app/.profile', recorder('dot_profile'));

    const r = await droplet.launch(['app', 'echo "$ORDER|$LAST|$SEEN_root_a$SEEN_root_b$SEEN_app_a$SEEN_app_b$SEEN_dot_profile"', '']);

    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(launcherStdout('root_a root_b app_a app_b dot_profile|dot_profile|yesyesyesyesyes\n'));
    expect(r.code).toBe(0);
  });

  it('a later script overrides an earlier one, and the environment computed by the launcher can be overridden', async () => {
    droplet.write('profile.d/set.sh', 'export SHARED=from-root-profile-d\nexport DATABASE_URL=from-profile\n');
    droplet.write('app/.profile.d/set.sh', 'export SHARED=from-app-profile-d\n');

    const r = await droplet.launch(['app', 'echo "$SHARED $DATABASE_URL"', '']);

    expect(r.stdout).toBe(launcherStdout('from-app-profile-d from-profile\n'));
    expect(r.code).toBe(0);
  });

  it('sources each directory in glob order (sorted; C.UTF-8 collation is byte order)', async () => {
    for (const name of ['b.sh', '10.sh', 'a.sh', '2.sh', 'B.sh', '_x.sh']) droplet.write(`app/.profile.d/${name}`, recorder(name));

    const r = await droplet.launch(['app', 'echo "$ORDER"', '']);

    expect(r.stdout).toBe(launcherStdout('10.sh 2.sh B.sh _x.sh a.sh b.sh\n'));
    expect(r.code).toBe(0);
  });

  it('sources scripts whatever their name suffix or mode (sourced, not executed)', async () => {
    droplet.write('app/.profile.d/no-suffix', recorder('no_suffix'), 0o644);
    droplet.write('app/.profile.d/not-executable.txt', recorder('txt'), 0o600);

    const r = await droplet.launch(['app', 'echo "$ORDER"', '']);

    expect(r.stdout).toBe(launcherStdout('no_suffix txt\n'));
    expect(r.code).toBe(0);
  });

  it('skips dotfiles in both profile directories', async () => {
    droplet.write('profile.d/.hidden.sh', recorder('root_hidden'));
    droplet.write('profile.d/visible.sh', recorder('root_visible'));
    droplet.write('app/.profile.d/.hidden.sh', recorder('app_hidden'));
    droplet.write('app/.profile.d/visible.sh', recorder('app_visible'));

    const r = await droplet.launch(['app', 'echo "$ORDER"', '']);

    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(launcherStdout('root_visible app_visible\n'));
  });

  it('a script whose name contains a space is sourced (Q22 fixed)', async () => {
    droplet.write('profile.d/with space.sh', recorder('root_space'));
    droplet.write('app/.profile.d/my  script.sh', recorder('app_space'));

    const r = await droplet.launch(['app', 'echo "$ORDER"', '']);

    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(launcherStdout('root_space app_space\n'));
    expect(r.code).toBe(0);
  });

  it('a script named with glob or shell characters is sourced as named', async () => {
    droplet.write("app/.profile.d/$(touch pwned)'*'.sh", recorder('odd_name'));

    const r = await droplet.launch(['app', 'echo "$ORDER"', '']);

    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(launcherStdout('odd_name\n'));
    expect(droplet.exists('app/pwned')).toBe(false);
  });

  it.each([
    ['missing directories and no .profile', (): void => undefined],
    ['empty directories', (): void => void (droplet.mkdir('profile.d'), droplet.mkdir('app/.profile.d'))],
    ['directories holding only dotfiles', (): void => void (droplet.write('profile.d/.keep', 'exit 99\n'), droplet.write('app/.profile.d/.keep', 'exit 99\n'))],
  ])('%s: no output at all on stderr', async (_what, prepare) => {
    prepare();

    const r = await droplet.launch(['app', 'echo app', '']);

    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(launcherStdout('app\n'));
    expect(r.code).toBe(0);
  });

  it('sourced scripts see $0 = argv0, $1 = the app dir, $2 = the start command', async () => {
    const probe = (tag: string): string => `echo "${tag}: [$0] [$1] [$2] [$#]"\n`;
    droplet.write('profile.d/probe.sh', probe('profile.d'));
    droplet.write('app/.profile.d/probe.sh', probe('.profile.d'));
    droplet.write('app/.profile', probe('.profile'));

    const r = await droplet.launch(['app', 'echo app  two-spaces', '']);

    const seen = `[${LAUNCHER}] [${droplet.app}] [echo app  two-spaces] [2]`;
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`Invoking pre-start scripts.\nprofile.d: ${seen}\n.profile.d: ${seen}\n.profile: ${seen}\nInvoking start command.\napp two-spaces\n`);
    expect(r.code).toBe(0);
  });

  it('sourced scripts see $0 = "launcher" when started with that argv[0]', async () => {
    droplet.write('app/.profile.d/probe.sh', 'echo "[$0]"\n');

    const r = await droplet.launch(['app', 'true', ''], { argv0: 'launcher' });

    expect(r.stdout).toBe('Invoking pre-start scripts.\n[launcher]\nInvoking start command.\n');
  });

  it('scripts run in the app dir and in the same shell: shell variables and functions reach .profile, exports reach the app', async () => {
    droplet.write('profile.d/fn.sh', 'greet() { echo "hello from $PWD"; }\nNOT_EXPORTED=visible-to-later-scripts\n');
    droplet.write('app/.profile', 'greet\necho "$NOT_EXPORTED"\n');

    const r = await droplet.launch(['app', 'echo "app sees: ${NOT_EXPORTED-nothing}"', '']);

    expect(r.stdout).toBe(
      launcherStdout().replace('Invoking start command.\n', `hello from ${droplet.app}\nvisible-to-later-scripts\nInvoking start command.\n`) +
        'app sees: nothing\n',
    );
  });

  it('.profile is sourced only when it is a regular file', async () => {
    droplet.mkdir('app/.profile');

    const r = await droplet.launch(['app', 'echo ok', '']);

    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(launcherStdout('ok\n'));
    expect(r.code).toBe(0);
  });

  it('a script that runs `cd` changes where .profile.d and .profile are looked up (Q22 kept)', async () => {
    droplet.write('profile.d/0-cd.sh', 'cd ../other\n');
    droplet.write('app/.profile.d/app.sh', recorder('app_profile_d'));
    droplet.write('app/.profile', recorder('app_profile'));
    droplet.write('other/.profile.d/other.sh', recorder('other_profile_d'));
    droplet.write('other/.profile', recorder('other_profile'));

    const r = await droplet.launch(['app', 'echo "$ORDER in $PWD"', '']);

    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(launcherStdout(`other_profile_d other_profile in ${droplet.path('other')}\n`));
  });

  it("output of profile scripts appears between the two messages, on the launcher's streams", async () => {
    droplet.write('app/.profile.d/talk.sh', 'echo to-stdout\necho to-stderr >&2\n');

    const r = await droplet.launch(['app', 'echo app', '']);

    expect(r.stdout).toBe('Invoking pre-start scripts.\nto-stdout\nInvoking start command.\napp\n');
    expect(r.stderr).toBe('to-stderr\n');
  });

  it('a profile script that exits ends the launcher with its status before the start command', async () => {
    droplet.write('app/.profile.d/fail.sh', 'echo giving up\nexit 9\n');

    const r = await droplet.launch(['app', `echo started > '${droplet.path('started')}'`, '']);

    expect(r.stdout).toBe('Invoking pre-start scripts.\ngiving up\n');
    expect(r.code).toBe(9);
    expect(droplet.exists('started')).toBe(false);
  });
});
