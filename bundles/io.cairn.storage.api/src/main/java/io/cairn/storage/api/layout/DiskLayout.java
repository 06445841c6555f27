package io.cairn.storage.api.layout;

import java.util.List;

/**
 * The layers of one disk, contiguous from offset 0 to its capacity, in {@link Layer} order;
 * layers the disk does not carry are absent.
 *
 * @param diskId the disk's id
 * @param kind device class
 * @param capacityBytes formatted capacity; the layers' sizes add up to it
 * @param layers the disk's layers in on-disk order, the last always {@link Layer#EXTENT_STORE}
 */
public record DiskLayout(String diskId, DiskKind kind, long capacityBytes, List<LayerExtent> layers) {

    public DiskLayout {
        layers = List.copyOf(layers);
    }

    /** Bytes of {@code layer} on this disk, 0 if it does not carry it. */
    public long sizeOf(Layer layer) {
        return layers.stream().filter(l -> l.layer() == layer).mapToLong(LayerExtent::sizeBytes).sum();
    }
}
