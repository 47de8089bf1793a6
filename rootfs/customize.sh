#!/bin/sh
# Turns a root filesystem with the profile's packages installed into the stack: locale, timezone, the
# vcap user, the cflinuxfs2 directories, neutral network files, no docs, and the version file.
#
#   customize.sh ROOT PROFILE NAME
#
# ROOT is the rootfs directory: mmdebstrap's "$1" in a customize hook (packages/stack), or / inside
# docker/Dockerfile.stack. Runs as root on the host (commands that must run inside go through chroot).
# Each step prints one `cf-stack: ...` line, which the build shows as progress.
set -eu

ROOT=${1:?usage: customize.sh ROOT PROFILE NAME}
PROFILE=${2:?usage: customize.sh ROOT PROFILE NAME}
NAME=${3:?usage: customize.sh ROOT PROFILE NAME}
here=$(cd "$(dirname "$0")" && pwd)
root=${ROOT%/}

step() { echo "cf-stack: $*"; }
in_root() { if [ -z "$root" ]; then "$@"; else chroot "$root" "$@"; fi; }
# A file the container runtime bind-mounts (Docker does for resolv.conf, hosts, hostname during a
# build) is not ours to write: the runtime supplies it at run time anyway.
is_mountpoint() { awk -v p="$1" '$5 == p { found = 1 } END { exit !found }' /proc/self/mountinfo; }
write_etc() {
  if is_mountpoint "/${1#/}" && [ -z "$root" ] || is_mountpoint "$root/$1"; then return 0; fi
  rm -f "$root/$1"
  printf '%s' "$2" > "$root/$1"
  chmod 0644 "$root/$1"
}

case "$PROFILE" in minimal|full) ;; *) echo "customize.sh: unknown profile $PROFILE" >&2; exit 2 ;; esac
case "$NAME" in [a-z0-9]*) ;; *) echo "customize.sh: invalid stack name $NAME" >&2; exit 2 ;; esac
if printf '%s' "$NAME" | grep -q '[^a-z0-9._-]'; then echo "customize.sh: invalid stack name $NAME" >&2; exit 2; fi

# ROOTFS.md §6: LANG=en_US.UTF-8 by default. The full profile also compiles the locales of
# cflinuxfs2's generate-all-locales.sh (73 prefixes; iw_IL, no_NO and sr_YU have been renamed since).
printf 'LANG="en_US.UTF-8"\n' > "$root/etc/default/locale"
printf 'en_US.UTF-8 UTF-8\n' > "$root/etc/locale.gen"
if [ "$PROFILE" = full ]; then
  prefixes='af_ZA am_ET ar_AE ar_BH ar_DZ ar_EG ar_IN ar_IQ ar_JO ar_KW ar_LB ar_LY ar_MA ar_OM ar_QA
    ar_SA ar_SD ar_SY ar_TN ar_YE be_BY bg_BG ca_ES cs_CZ da_DK de_AT de_CH de_DE el_GR en_AU en_CA en_GB
    en_IE en_NZ en_US es_ES et_EE eu_ES fi_FI fr_BE fr_CA fr_CH fr_FR he_IL hi_IN hr_HR hu_HU hy_AM is_IS
    it_CH it_IT iw_IL ja_JP kk_KZ ko_KR lt_LT nl_BE nl_NL no_NO pl_PL pt_BR pt_PT ro_RO ru_RU sk_SK sl_SI
    sr_YU sv_SE tr_TR uk_UA zh_CN zh_HK zh_TW'
  awk -v prefixes="$prefixes" '
    BEGIN { n = split(prefixes, p, /[ \n]+/) }
    { for (i = 1; i <= n; i++) if (p[i] != "" && index($1, p[i]) == 1 && (length($1) == 5 || substr($1, 6, 1) ~ /[.@]/)) { print; next } }
  ' "$root/usr/share/i18n/SUPPORTED" | grep -v '^en_US.UTF-8 UTF-8$' >> "$root/etc/locale.gen"
fi
# locale-gen prints "  en_US.UTF-8... done" per locale: the build shows them as progress.
step "generating $(grep -c . "$root/etc/locale.gen") locales"
in_root locale-gen

# ROOTFS.md §6: UTC.
step "setting the timezone to UTC"
ln -sf /usr/share/zoneinfo/Etc/UTC "$root/etc/localtime"
printf 'Etc/UTC\n' > "$root/etc/timezone"

# ROOTFS.md §3: vcap 2000:2000 (explicit, as cflinuxfs3 does), home /home/vcap from /etc/skel, bash;
# /home/vcap/app with /app pointing to it; a world-writable core dump directory.
step "creating the vcap user (2000:2000)"
if ! in_root getent passwd vcap > /dev/null; then
  in_root groupadd -g 2000 vcap
  in_root useradd -u 2000 -g 2000 -m -s /bin/bash vcap
fi
mkdir -p "$root/home/vcap/app"
chown 2000:2000 "$root/home/vcap/app"
ln -sfn /home/vcap/app "$root/app"
mkdir -p "$root/var/vcap/sys/cores"
chmod 0777 "$root/var/vcap/sys/cores"

# CONTAINER-LAB.md §1: mmdebstrap copies the host's resolv.conf and hostname; the runtime supplies
# the real ones. A hosts file that resolves localhost, for runtimes that do not bind-mount one.
step "writing neutral /etc/resolv.conf, /etc/hostname and /etc/hosts"
write_etc etc/resolv.conf ''
write_etc etc/hostname 'localhost
'
write_etc etc/hosts '127.0.0.1	localhost
::1	localhost ip6-localhost ip6-loopback
'

# ROOTFS.md §6 (firstboot): no SSH host keys shipped; every container would share them.
rm -f "$root"/etc/ssh/ssh_host_*
# A machine id made at build time would be shared by every container too.
if [ -f "$root/etc/machine-id" ]; then : > "$root/etc/machine-id"; fi

# cflinuxfs2 deleted docs, man pages and apt lists (ROOTFS.md §2); dpkg-excludes.cfg keeps them out of
# later installs, this removes what was unpacked before it applied. Copyright files stay.
step "removing documentation, apt lists and caches"
cp "$here/dpkg-excludes.cfg" "$root/etc/dpkg/dpkg.cfg.d/cf-stack-excludes"
if [ -d "$root/usr/share/doc" ]; then
  find "$root/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete
  find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete
fi
rm -rf "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/usr/share/groff/* \
  "$root"/usr/share/lintian/* "$root"/usr/share/linda/* \
  "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb \
  "$root"/var/cache/debconf/*-old "$root"/var/lib/dpkg/*-old
find "$root/var/log" -type f -name '*.log' -delete

# The version file: the stack's identity inside the rootfs (rootfs/README.md, "The version file").
step "writing /etc/cf-stack/version.json"
version=$("$here/list-packages.sh" --get version)
packages_sha256=$("$here/list-packages.sh" "$PROFILE" | sha256sum | cut -d' ' -f1)
base=$(. "$root/etc/os-release" && printf '%s %s' "$ID" "$VERSION_CODENAME")
built_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)
mkdir -p "$root/etc/cf-stack"
cat > "$root/etc/cf-stack/version.json" <<JSON
{
  "name": "$NAME",
  "version": "$version",
  "profile": "$PROFILE",
  "base": "$base",
  "packages_sha256": "$packages_sha256",
  "built_at": "$built_at"
}
JSON
chmod 0644 "$root/etc/cf-stack/version.json"

# Last, so that in Docker the copy of rootfs/ this script runs from (under /tmp) goes too.
rm -rf "$root"/tmp/* "$root"/tmp/.[!.]* "$root"/var/tmp/*
step "done"
