package io.cairn.cluster.api.vip;

import java.util.Objects;

/**
 * A virtual IP and how this node holds it.
 *
 * <ul>
 * <li>{@link Mode#LOOPBACK} ({@code interfaceName} empty): the address is already local (a loopback
 * alias such as 127.0.1.140 on a one-machine cluster); holding it means only that the holder binds
 * its sockets there. Nothing is configured.</li>
 * <li>{@link Mode#LAYER2}: the holder adds {@code address/prefixLength} to {@code interfaceName},
 * announces it with gratuitous ARPs, and removes it again on release.</li>
 * </ul>
 *
 * @param address the address literal (IPv4, dotted quad, in layer-2 mode)
 * @param interfaceName the interface for layer-2 mode; empty for loopback mode
 * @param prefixLength the prefix length added with the address in layer-2 mode (1..32)
 */
public record VirtualIpSpec(String address, String interfaceName, int prefixLength) {

    /** How the address is held. */
    public enum Mode {
        /** The address is local already; the holder only binds it. */
        LOOPBACK,
        /** The holder adds the address to an interface and sends gratuitous ARPs. */
        LAYER2
    }

    public VirtualIpSpec {
        Objects.requireNonNull(address, "address");
        interfaceName = interfaceName == null ? "" : interfaceName.strip();
    }

    /** Loopback mode: the address is only bound by the holder. */
    public static VirtualIpSpec loopback(String address) {
        return new VirtualIpSpec(address, "", 32);
    }

    /** Layer-2 mode on {@code interfaceName} with {@code address/prefixLength}. */
    public static VirtualIpSpec layer2(String address, String interfaceName, int prefixLength) {
        return new VirtualIpSpec(address, interfaceName, prefixLength);
    }

    public Mode mode() {
        return interfaceName.isEmpty() ? Mode.LOOPBACK : Mode.LAYER2;
    }

    @Override
    public String toString() {
        return mode() == Mode.LOOPBACK ? address + " (loopback)" : address + "/" + prefixLength + " on " + interfaceName;
    }
}
