package io.cairn.hal.api.net;

import java.net.Inet4Address;
import java.time.Duration;
import java.util.List;

import org.osgi.annotation.versioning.ProviderType;

/**
 * IPv4 addresses on this node's network interfaces (the network namespace the node runs in), and
 * gratuitous ARP to tell the link which hardware address now answers for one. Every method throws
 * {@link NetworkException} with a message that says what to do.
 */
@ProviderType
public interface InterfaceAddresses {

    /** Whether {@code iface} exists. */
    boolean exists(String iface);

    /** The IPv4 addresses on {@code iface}, as {@code address/prefix} (e.g. {@code 198.18.7.100/24}). */
    List<String> addresses(String iface);

    /**
     * Adds {@code ip/prefixLength} to {@code iface}; idempotent.
     *
     * @return true when the address was added now, false when it was there already
     */
    boolean add(String iface, Inet4Address ip, int prefixLength);

    /**
     * Removes {@code ip} (with whatever prefix length it has) from {@code iface}; idempotent.
     *
     * @return true when the address was there and is removed now
     */
    boolean remove(String iface, Inet4Address ip);

    /**
     * Sends {@code count} gratuitous ARPs for {@code ip} from {@code iface}'s hardware address, the
     * first at once and the next {@code interval} apart, and returns when the last is sent.
     *
     * @return how many were sent
     */
    int announce(String iface, Inet4Address ip, int count, Duration interval);

    /** The hardware (MAC) address of {@code iface}, lower-case, colon-separated. */
    String hardwareAddress(String iface);
}
