package io.cairn.hal.api.facts;

import java.util.List;

import org.osgi.annotation.versioning.ProviderType;

/** Hardware facts of this node, read fresh on every call. */
@ProviderType
public interface NodeFacts {

    CpuInfo cpu();

    /** Total memory in bytes. */
    long memoryBytes();

    List<NicInfo> nics();

    /** CPU model, logical cores, and feature flags (e.g. {@code vmx}, {@code svm}, {@code aes}). */
    record CpuInfo(String model, int cores, List<String> flags) {
        public CpuInfo {
            flags = List.copyOf(flags);
        }

        public boolean hasFlag(String flag) {
            return flags.contains(flag);
        }
    }

    /** A network interface; {@code speedMbps} is -1 when unknown (down, or virtual without a speed). */
    record NicInfo(String name, String mac, int mtu, long speedMbps, boolean up) {
    }
}
