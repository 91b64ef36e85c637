/* image_resolve.h: resolve an image on containerd and unpack it into a snapshotter
 * (app/image/resolve.c). Ownership: berth/image_json.h.
 *
 * Built on the containerd client (ctd_*.h); knows nothing of bots. Everything containerd's Go
 * client does for these (images.Manifest, image.Unpack, archive.ImportIndex) is done here with
 * plain calls, following shared/notes/containerd-from-c.md §3-§4.
 */
#ifndef BERTH_IMAGE_RESOLVE_H
#define BERTH_IMAGE_RESOLVE_H

#include <stddef.h>

#include "berth/ctd_conn.h"
#include "berth/err.h"
#include "berth/image_json.h"

/* Error kinds of image_resolve, image_unpack and image_ensure. The data they read comes from
 * containerd, not from their caller, so a fault in it is never a client error:
 *   BERTH_E_NOT_FOUND    only when the image record itself is missing (Images.Get);
 *   BERTH_E_UNAVAILABLE, BERTH_E_TIMEOUT   containerd unreachable or too slow;
 *   BERTH_E_INTERNAL     anything else about stored data or containerd: a missing blob, a blob
 *                        that is not JSON or too large, an image without target, an unsupported
 *                        media type, an index without linux/amd64, a layer/diff-ID count
 *                        mismatch, a layer applying to another diff ID, ...;
 *   BERTH_E_INVALID      only for the caller's own arguments: an empty name, no snapshotter, or
 *                        a snapshotter containerd does not have ("snapshotter not loaded").
 *                        The snapshotter may come from an API request; the image never does.
 * Messages start "resolve image <name>: " or "unpack <name>: ". */

/* Resolves image name in c's namespace: Images.Get -> target; an index picks linux/amd64; the
 * manifest gives config and layers; the config gives diff IDs; chain IDs computed. Fills *out
 * (release with image_info_free, also after failure). */
int image_resolve(ctd_conn *c, const char *name, struct image_info *out, berth_err *err);

/* Unpacks a resolved image into snapshotter unless already unpacked, under a lease of its own
 * (1 h expiry): per layer Stat (skip if present), Prepare "extract-<ns>-<rand> <chain>", Diff.Apply
 * (under a deadline of 10 min, or the connection's if longer; diff ID checked), Commit with containerd.io/snapshot.ref (ALREADY_EXISTS means another process
 * won: its snapshot is used), Remove of the key on any failure, Content.Update of the layer's
 * containerd.io/uncompressed label; then the config blob gets
 * containerd.io/gc.ref.snapshot.<snapshotter> = top chain ID (the GC root of the snapshot chain).
 * Safe to run concurrently in several processes. Call it on a connection without a lease: the
 * connection's lease is cleared afterwards.
 * *unpacked (may be NULL) gets the number of layers this call applied (0 = all were present). */
int image_unpack(ctd_conn *c, const struct image_info *img, const char *snapshotter,
		 size_t *unpacked, berth_err *err);

/* image_resolve + image_unpack: what a container needs before its rootfs can be prepared. */
int image_ensure(ctd_conn *c, const char *name, const char *snapshotter, struct image_info *out,
		 berth_err *err);

#endif
