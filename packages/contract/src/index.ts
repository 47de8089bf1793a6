// The contract package: the rules every lifecycle executable shares. Pure: no file system, network or
// process I/O happens here; callers pass text in and get values (or typed errors) back.
export * from './flags.ts';
export * from './gojson.ts';
export * from './yaml.ts';
export * from './buildpack-files.ts';
export * from './errors.ts';
export * from './go-errors.ts';
export * from './go-url.ts';
export * from './xxhash64.ts';
export * from './buildpack-key.ts';
export * from './paths.ts';
export * from './processes.ts';
export * from './result.ts';
export * from './database-url.ts';
export * from './platform-options.ts';
export * from './bytefmt.ts';
export * from './vcap-application.ts';
export * from './redact.ts';
export * from './terminal.ts';
