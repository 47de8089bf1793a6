// The contract package: the rules every lifecycle executable shares. Pure: no file system, network or
// process I/O happens here; callers pass text in and get values (or typed errors) back.

// Go's behaviour the reference inherits from its runtime and libraries (flag, encoding/json, yaml.v2,
// net/url, error texts, xxhash, bytefmt), emulated in go/.
export * from './go/flags.ts';
export * from './go/gojson.ts';
export * from './go/yaml.ts';
export * from './go/go-errors.ts';
export * from './go/go-url.ts';
export * from './go/xxhash64.ts';
export * from './go/bytefmt.ts';

// Cloud Foundry's documents and rules.
export * from './buildpack-files.ts';
export * from './errors.ts';
export * from './exit-codes.ts';
export * from './buildpack-key.ts';
export * from './paths.ts';
export * from './processes.ts';
export * from './result.ts';
export * from './database-url.ts';
export * from './platform-options.ts';
export * from './vcap-application.ts';
export * from './redact.ts';
export * from './terminal.ts';
export * from './diego.ts';
export * from './builder-flags.ts';
export * from './staging-metadata.ts';
