// Progress of a stack build: phases with an overall percentage, read from mmdebstrap's --verbose output
// (its `I:` phase lines, apt's "N newly installed", and one line per package downloaded, unpacked and
// set up) and from our own steps (customize.sh's `cf-stack:` lines, the receipt, compression).

export interface ProgressEvent {
  phase: string;
  message: string;
  /** Overall progress of the build, 0–100, when known. */
  percent?: number;
}

export type Reporter = (phase: string, message: string, percent?: number) => void;

/** Wraps the caller's callback; a throwing callback must not break the build. */
export function reporter(onProgress?: (event: ProgressEvent) => void): Reporter {
  return (phase, message, percent) => {
    if (!onProgress) return;
    try {
      onProgress(percent === undefined ? { phase, message } : { phase, message, percent: Math.round(percent * 10) / 10 });
    } catch {
      // the display's problem, not the build's
    }
  };
}

/** Where each phase sits in the overall 0–100 (measured on the minimal profile: mmdebstrap ~60%, gzip ~40%). */
export const BANDS = {
  setup: [0, 1],
  update: [1, 4],
  download: [4, 10],
  extract: [10, 14],
  essential: [14, 28],
  install: [28, 50],
  customize: [50, 56],
  cleanup: [56, 58],
  receipt: [58, 60],
  compress: [60, 99],
  commit: [99, 100],
} as const satisfies Record<string, readonly [number, number]>;
export type Phase = keyof typeof BANDS;

export function within(phase: Phase, fraction: number): number {
  const [from, to] = BANDS[phase];
  return from + (to - from) * Math.min(1, Math.max(0, fraction));
}

// mmdebstrap's `I:` lines, in the order it prints them.
const PHASE_LINES: ReadonlyArray<[RegExp, Phase]> = [
  [/^I: running apt-get update/, 'update'],
  [/^I: downloading packages with apt/, 'download'],
  [/^I: extracting archives/, 'extract'],
  [/^I: installing essential packages/, 'essential'],
  [/^I: installing remaining packages inside the chroot/, 'install'],
  [/^I: running --customize-hook/, 'customize'],
  [/^I: cleaning package lists and apt cache/, 'cleanup'],
];

// Lines per package that count towards a phase: essential packages are unpacked then set up; the
// remaining ones are also downloaded first.
const STEPS_PER_PACKAGE: Partial<Record<Phase, number>> = { download: 1, essential: 2, install: 3 };
export const CUSTOMIZE_STEPS = 6; // the `cf-stack:` steps customize.sh prints before "done"

/** Feeds mmdebstrap's output lines; reports phase changes and progress within a phase. */
export class MmdebstrapProgress {
  readonly errors: string[] = [];
  private phase: Phase = 'setup';
  private expected = 0;
  private done = 0;
  /** apt's count in the download phase: the essential packages the next phases unpack and set up. */
  private essentialCount = 0;
  private locales = { total: 0, done: 0 };
  private readonly report: Reporter;

  constructor(report: Reporter) {
    this.report = report;
  }

  line(text: string): void {
    const line = text.trimEnd();
    if (line === '') return;
    if (line.startsWith('E: ')) this.errors.push(line.slice(3));

    for (const [pattern, phase] of PHASE_LINES) {
      if (pattern.test(line)) {
        this.enter(phase, describePhase(phase));
        return;
      }
    }
    if (line.startsWith('I: success in')) {
      this.report('cleanup', line.slice(3), BANDS.cleanup[1]);
      return;
    }

    const installed = /^\d+ upgraded, (\d+) newly installed/.exec(line);
    if (installed) {
      this.expected = Number(installed[1]);
      if (this.phase === 'download') this.essentialCount = this.expected;
      return;
    }
    if (this.phase === 'customize') {
      this.customize(line);
      return;
    }
    const activity = packageActivity(line);
    if (activity && STEPS_PER_PACKAGE[this.phase] !== undefined) {
      this.done += 1;
      const total = this.expected * (STEPS_PER_PACKAGE[this.phase] ?? 1);
      this.report(this.phase, activity, total > 0 ? within(this.phase, this.done / total) : undefined);
    }
  }

  // customize.sh's `cf-stack:` steps; within "generating N locales", locale-gen's line per locale
  // (the full profile compiles 163 of them, most of the step's time).
  private customize(line: string): void {
    const step = /^cf-stack: (.*)$/.exec(line);
    if (step) {
      this.done += 1;
      this.locales = { total: Number(/^generating (\d+) locales/.exec(step[1] ?? '')?.[1] ?? 0), done: 0 };
      this.report('customize', step[1] ?? '', within('customize', (this.done - 1) / CUSTOMIZE_STEPS));
      return;
    }
    const locale = /^\s+(\S+)\.\.\. done$/.exec(line);
    if (locale && this.locales.total > 0) {
      this.locales.done += 1;
      const fraction = (this.done - 1 + Math.min(1, this.locales.done / this.locales.total)) / CUSTOMIZE_STEPS;
      this.report('customize', `generated the ${locale[1]} locale`, within('customize', fraction));
    }
  }

  private enter(phase: Phase, message: string): void {
    this.phase = phase;
    this.expected = phase === 'essential' ? this.essentialCount : 0;
    this.done = 0;
    this.report(phase, message, BANDS[phase][0]);
  }
}

function describePhase(phase: Phase): string {
  switch (phase) {
    case 'update':
      return 'reading the Debian package lists';
    case 'download':
      return 'downloading the essential packages';
    case 'extract':
      return 'extracting the essential packages';
    case 'essential':
      return 'installing the essential packages';
    case 'install':
      return 'installing the profile packages';
    case 'customize':
      return 'customizing the rootfs (rootfs/customize.sh)';
    case 'cleanup':
      return 'cleaning package lists and apt cache';
    default:
      return phase;
  }
}

/** "downloading bash", "unpacking bash", "setting up bash" from apt's and dpkg's lines, else undefined. */
export function packageActivity(line: string): string | undefined {
  // Get:12 http://deb.debian.org/debian bookworm/main amd64 bash amd64 5.2.15-2+b2 [1491 kB]
  const get = /^Get:\d+ \S+ \S+ \S+ (\S+) \S+ \S+ \[/.exec(line);
  if (get) return `downloading ${get[1]}`;
  const unpack = /^Unpacking (\S+?)(?::\S+)? /.exec(line);
  if (unpack) return `unpacking ${unpack[1]}`;
  const setup = /^Setting up (\S+?)(?::\S+)? /.exec(line);
  if (setup) return `setting up ${setup[1]}`;
  return undefined;
}
