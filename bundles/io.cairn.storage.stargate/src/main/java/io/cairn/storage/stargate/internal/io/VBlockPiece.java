package io.cairn.storage.stargate.internal.io;

/**
 * The part of one I/O that falls inside one vBlock (spec 20 §1, §7): the controller shard of
 * {@code vblock} serves it, and the whole I/O completes when all its pieces have.
 *
 * @param vblock index of the vBlock, {@code vdiskOffset / 1 MiB}
 * @param vdiskOffset byte offset of the piece in the vDisk
 * @param offsetInVBlock byte offset of the piece inside its vBlock, 0 to 1 MiB − 1
 * @param offsetInRequest byte offset of the piece inside the request's buffer
 * @param length bytes in the piece, 1 to 1 MiB
 */
public record VBlockPiece(long vblock, long vdiskOffset, int offsetInVBlock, long offsetInRequest, int length) {
}
