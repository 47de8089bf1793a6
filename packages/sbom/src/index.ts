// The droplet's dependency inventory: what the app's lockfiles and installed packages name, what
// buildpacks declare they installed, the CycloneDX document that holds both, and how the droplet's
// ELF files link (docs/sbom.md).
export { ECOSYSTEMS, dedupeDependencies, parsePurl, purlOf, type Dependency, type Ecosystem, type ParsedPurl } from './dependency.ts';
export { appDependencies, scanAppDependencies, type AppDependencyScan } from './app-dependencies.ts';
export { buildpackDependencies, type BuildpackInput } from './buildpack-dependencies.ts';
export { cycloneDx, PROPERTY, type CycloneDxInput } from './cyclonedx.ts';
export { elfLinking, findExecutables, type ElfLinking, type Executables } from './executables.ts';
