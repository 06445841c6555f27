package io.cairn.storage.api.layout;

/**
 * One layer's byte range on a disk: {@code [offsetBytes, offsetBytes + sizeBytes)}.
 *
 * @param layer which layer
 * @param offsetBytes first byte on the disk
 * @param sizeBytes bytes reserved, positive
 */
public record LayerExtent(Layer layer, long offsetBytes, long sizeBytes) {
}
