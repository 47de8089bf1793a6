// Credhub interpolation of VCAP_SERVICES (CONTRACT §6), used by the builder, launcher and shell.
export { CredhubError } from './errors.ts';
export { interpolateVcapServices, type InterpolateOptions } from './interpolate.ts';
