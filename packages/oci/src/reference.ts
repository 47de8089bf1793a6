// The image name written into index.json (`org.opencontainers.image.ref.name`), which `podman load`
// and `skopeo copy oci-archive:…` use as the image's name: `[registry[:port]/]path[:tag]`, as the
// distribution reference grammar allows it (lower-case path components, a tag of at most 128 characters).
import path from 'node:path';
import { OciError } from './errors.ts';

const DOMAIN = '(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?)';
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const TAG = '[\\w][\\w.-]{0,127}';
const REFERENCE = new RegExp(`^(?:${DOMAIN}/)?${COMPONENT}(?:/${COMPONENT})*(?::${TAG})?$`);

/** `name[:tag]` checked, with `:latest` added when there is no tag. */
export function imageReference(tag: string): string {
  if (!REFERENCE.test(tag) || tag.length > 255) {
    throw new OciError(`invalid image name ${JSON.stringify(tag)}: use NAME[:TAG] with a lower-case name, e.g. registry.example.com/apps/hello:1.0`);
  }
  const lastSlash = tag.lastIndexOf('/');
  return tag.slice(lastSlash + 1).includes(':') ? tag : `${tag}:latest`;
}

/** The default name: the droplet's file name without its extensions, made a valid name, tagged latest. */
export function defaultReference(droplet: string): string {
  const base = path
    .basename(droplet)
    .replace(/(\.droplet)?(\.tgz|\.tar\.gz|\.tar)?$/i, '')
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '')
    .replace(/[._-]{2,}/g, '-');
  return `${base || 'droplet'}:latest`;
}
