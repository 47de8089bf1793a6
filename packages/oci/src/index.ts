// @cf-lifecycle/oci: droplets as OCI images (export, rebase) and Kubernetes manifests to run them.
export { OciError } from './errors.ts';
export { exportCommand, type ExportOptions, type ImageResult, type Log } from './export.ts';
export { rebaseCommand, type RebaseOptions } from './rebase.ts';
export { k8sManifests, type K8sOptions } from './k8s.ts';
export type { StackInput } from './layers/stack.ts';
export { LABEL } from './labels.ts';
export { METADATA_MAX_BYTES, OCI_LIMITS } from './limits.ts';
