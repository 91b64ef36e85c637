#!/bin/sh
# mkimage.sh OUT.tar [NAME]: builds Berth's default bot image as an OCI image archive (the format
# `ctr images import` and `berthctl image import` read), from Debian's busybox-static, offline and
# reproducibly: the same busybox gives the same bytes.
#
# One layer: /bin/busybox with a symlink per applet (`busybox --list`), /etc/passwd and /etc/group
# (root), /tmp, /data, /root, /opt/bot-template/{IDENTITY.md,SOUL.md,TOOLS.md}. Config: Env PATH,
# WorkingDir /data, Cmd ["/bin/sh"] (no Entrypoint, so a caller's args are the whole command line).
# NAME defaults to docker.io/library/berth-bot:latest. BUSYBOX overrides the busybox binary used.
# Tests: MKIMAGE_EXTRA_LAYER=DIR adds DIR's tree as a second, uncompressed layer (whiteout files
# such as .wh.NAME delete NAME from the first layer), to exercise multi-layer images.
set -eu

usage() { echo "usage: $0 OUT.tar [NAME]" >&2; exit 2; }
[ $# -ge 1 ] && [ $# -le 2 ] || usage
out=$1
name=${2:-docker.io/library/berth-bot:latest}
busybox=${BUSYBOX:-/bin/busybox}

# The name goes into JSON and must be a plain image reference.
case $name in
	*[!A-Za-z0-9._/:@-]* | "" ) echo "$0: invalid image name: $name" >&2; exit 2 ;;
esac
[ -x "$busybox" ] || { echo "$0: $busybox missing (Debian package busybox-static)" >&2; exit 1; }

# The tag part of the reference (after the last ':' that follows the last '/').
last=${name##*/}
case $last in
	*:*) tag=${last##*:} ;;
	*) tag=latest ;;
esac

work=$(mktemp -d "${TMPDIR:-/tmp}/berth-mkimage.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
umask 022
root=$work/rootfs
mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/data" "$root/root" "$root/opt/bot-template"
chmod 1777 "$root/tmp"
chmod 0700 "$root/root"

cp "$busybox" "$root/bin/busybox"
chmod 0755 "$root/bin/busybox"
for applet in $("$busybox" --list); do
	case $applet in
		busybox | */* | "") continue ;;
	esac
	ln -s busybox "$root/bin/$applet"
done

printf 'root:x:0:0:root:/root:/bin/sh\n' >"$root/etc/passwd"
printf 'root:x:0:\n' >"$root/etc/group"
cat >"$root/opt/bot-template/IDENTITY.md" <<'EOF'
# Identity

Who this bot is: its name, its purpose and the people it works for. Edit this file.
EOF
cat >"$root/opt/bot-template/SOUL.md" <<'EOF'
# Soul

How this bot behaves: its tone, its values and the lines it does not cross. Edit this file.
EOF
cat >"$root/opt/bot-template/TOOLS.md" <<'EOF'
# Tools

The tools this bot may use and how. The container has busybox; add more in your own image.
EOF
chmod 0644 "$root/etc/passwd" "$root/etc/group" "$root/opt/bot-template/"*.md

tar_det() {
	LC_ALL=C tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --format=gnu "$@"
}
sha256() { sha256sum "$1" | cut -d' ' -f1; }
size() { stat -c %s "$1"; }

(cd "$root" && tar_det -cf "$work/layer.tar" bin data etc opt root tmp)
gzip -n -9 <"$work/layer.tar" >"$work/layer.tar.gz"
diff_id=$(sha256 "$work/layer.tar")
layer_digest=$(sha256 "$work/layer.tar.gz")
layer_size=$(size "$work/layer.tar.gz")

oci=$work/oci
mkdir -p "$oci/blobs/sha256"
mv "$work/layer.tar.gz" "$oci/blobs/sha256/$layer_digest"

layers_json=$(printf '{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%s}' \
	"$layer_digest" "$layer_size")
diff_ids_json="\"sha256:$diff_id\""
if [ -n "${MKIMAGE_EXTRA_LAYER:-}" ]; then
	(cd "$MKIMAGE_EXTRA_LAYER" && tar_det -cf "$work/extra.tar" .)
	extra_digest=$(sha256 "$work/extra.tar")
	extra_size=$(size "$work/extra.tar")
	mv "$work/extra.tar" "$oci/blobs/sha256/$extra_digest"
	layers_json="$layers_json$(printf ',{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s}' \
		"$extra_digest" "$extra_size")"
	diff_ids_json="$diff_ids_json,\"sha256:$extra_digest\""
fi

printf '{"architecture":"amd64","os":"linux","created":"1970-01-01T00:00:00Z",'\
'"config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],'\
'"Cmd":["/bin/sh"],"WorkingDir":"/data","Labels":{"org.opencontainers.image.title":"berth-bot"}},'\
'"rootfs":{"type":"layers","diff_ids":[%s]},'\
'"history":[{"created":"1970-01-01T00:00:00Z","created_by":"scripts/mkimage.sh"}]}' \
	"$diff_ids_json" >"$work/config.json"
config_digest=$(sha256 "$work/config.json")
config_size=$(size "$work/config.json")
mv "$work/config.json" "$oci/blobs/sha256/$config_digest"

printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",'\
'"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},'\
'"layers":[%s]}' \
	"$config_digest" "$config_size" "$layers_json" >"$work/manifest.json"
manifest_digest=$(sha256 "$work/manifest.json")
manifest_size=$(size "$work/manifest.json")
mv "$work/manifest.json" "$oci/blobs/sha256/$manifest_digest"

printf '{"imageLayoutVersion":"1.0.0"}' >"$oci/oci-layout"
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json",'\
'"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s",'\
'"size":%s,"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"%s"},'\
'"platform":{"architecture":"amd64","os":"linux"}}]}' \
	"$manifest_digest" "$manifest_size" "$name" "$tag" >"$oci/index.json"

(cd "$oci" && tar_det -cf "$work/image.tar" oci-layout index.json blobs)
mv "$work/image.tar" "$out.tmp"
mv "$out.tmp" "$out"
