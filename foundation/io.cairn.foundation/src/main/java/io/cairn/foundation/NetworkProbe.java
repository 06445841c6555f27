package io.cairn.foundation;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.InterfaceAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketException;
import java.util.Collections;
import java.util.List;

/**
 * Asks the network whether an address is in use, only ever on a network this machine is attached
 * to (so no probe leaves it through a router). On a real link: ICMP echo (the JDK uses raw ICMP as
 * root), which also fails when ARP finds nobody. On loopback, where every 127/8 address answers
 * ICMP, an address is in use when a Cairn controller (or an SSH server) accepts TCP on it.
 */
public class NetworkProbe {

    static final List<Integer> LOOPBACK_PORTS = List.of(2100, 9440, 22);
    /** A loopback address no node uses: what a wildcard listener answers on too. */
    static final String UNUSED_LOOPBACK = "127.255.255.254";

    private final int timeoutMillis;

    public NetworkProbe(int timeoutMillis) {
        this.timeoutMillis = timeoutMillis;
    }

    /** Whether {@code ip} is on a subnet of one of this machine's interfaces (or loopback). */
    public boolean onLink(String ip) {
        try {
            InetAddress a = InetAddress.getByName(ip);
            if (a.isLoopbackAddress()) {
                return true;
            }
            for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (!nif.isUp()) {
                    continue;
                }
                for (InterfaceAddress ia : nif.getInterfaceAddresses()) {
                    if (ia.getAddress() instanceof Inet4Address local && a instanceof Inet4Address
                            && sameSubnet(local.getAddress(), a.getAddress(), ia.getNetworkPrefixLength())) {
                        return true;
                    }
                }
            }
            return false;
        } catch (IOException e) {
            return false;
        }
    }

    /** Whether {@code ip} answers ICMP echo (a gateway). */
    public boolean answers(String ip) {
        try {
            return InetAddress.getByName(ip).isReachable(timeoutMillis);
        } catch (IOException e) {
            return false;
        }
    }

    /** Whether {@code ip} is taken by a host already (see the class comment). */
    public boolean inUse(String ip) {
        try {
            InetAddress a = InetAddress.getByName(ip);
            if (a.isLoopbackAddress()) {
                for (int port : LOOPBACK_PORTS) {
                    // a listener on the wildcard address (sshd on 0.0.0.0:22) answers on every 127/8 address: it says
                    // nothing about this one, so a port that also accepts on an address nobody uses is skipped
                    if (accepts(a, port) && !accepts(InetAddress.getByName(UNUSED_LOOPBACK), port)) {
                        return true;
                    }
                }
                return false;
            }
            return a.isReachable(timeoutMillis);
        } catch (SocketException e) {
            return false;
        } catch (IOException e) {
            return false;
        }
    }

    private boolean accepts(InetAddress a, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(a, port), timeoutMillis);
            return true;
        } catch (IOException refused) {
            return false;
        }
    }

    static boolean sameSubnet(byte[] a, byte[] b, int prefix) {
        int x = toInt(a);
        int y = toInt(b);
        int mask = prefix == 0 ? 0 : -1 << (32 - prefix);
        return (x & mask) == (y & mask);
    }

    static int toInt(byte[] a) {
        return ((a[0] & 0xff) << 24) | ((a[1] & 0xff) << 16) | ((a[2] & 0xff) << 8) | (a[3] & 0xff);
    }
}
