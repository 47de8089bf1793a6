export { runLauncher } from './launcher.ts';
export { runShell } from './shell.ts';
export { runGetenv } from './getenv.ts';
export { computeAppEnvironment, EnvironmentError } from './environment.ts';
export { launcherScript, shellScript } from './scripts.ts';
