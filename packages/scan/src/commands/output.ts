// What every command function receives to print with (the CLI passes process.stdout/stderr writers).
export interface Output {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}
