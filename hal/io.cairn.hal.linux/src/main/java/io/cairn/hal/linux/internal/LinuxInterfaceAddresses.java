package io.cairn.hal.linux.internal;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.Inet4Address;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.hal.api.net.InterfaceAddresses;
import io.cairn.hal.api.net.NetworkException;
import io.cairn.hal.api.net.NetworkException.Reason;

/**
 * Interface addresses through iproute2's {@code ip} and gratuitous ARP through Thomas Habets'
 * {@code arping} (Debian package {@code arping}: {@code arping -U -c N -i IFACE -S IP IP}, an ARP
 * request for the address from the address to the broadcast MAC, which updates every neighbour's
 * cache entry for it). Runs in the node's own network namespace. Needs CAP_NET_ADMIN (addresses)
 * and CAP_NET_RAW (arping).
 */
@Component(configurationPid = LinuxInterfaceAddresses.PID)
@Designate(ocd = LinuxInterfaceAddresses.Config.class)
public final class LinuxInterfaceAddresses implements InterfaceAddresses {

    static final String PID = "io.cairn.hal.linux.net";

    @ObjectClassDefinition(name = "Cairn HAL Linux network addresses", description = "ip and arping for IP takeover")
    public @interface Config {
        @AttributeDefinition(description = "The iproute2 ip command")
        String ip_binary() default "ip";

        @AttributeDefinition(description = "Thomas Habets' arping (Debian package arping)")
        String arping_binary() default "arping";

        @AttributeDefinition(description = "Longest wait for one ip command, seconds", min = "1")
        int timeout_seconds() default 10;
    }

    /** IFNAMSIZ is 16 with the NUL; the characters the kernel and ip accept without quoting. */
    private static final Pattern IFACE = Pattern.compile("[A-Za-z0-9_.@-]{1,15}");
    private static final Pattern INET = Pattern.compile("\\binet (\\d+\\.\\d+\\.\\d+\\.\\d+)/(\\d+)");
    private static final Pattern LINK_ETHER = Pattern.compile("link/ether ([0-9a-fA-F:]{17})");
    private static final Pattern TRANSMITTED = Pattern.compile("(\\d+) packets transmitted");

    private final Logger logger = LoggerFactory.getLogger(LinuxInterfaceAddresses.class);
    private final String ip;
    private final String arping;
    private final long timeoutSeconds;

    @Activate
    public LinuxInterfaceAddresses(Config config) {
        this(config.ip_binary(), config.arping_binary(), config.timeout_seconds());
    }

    public LinuxInterfaceAddresses(String ip, String arping, long timeoutSeconds) {
        this.ip = ip;
        this.arping = arping;
        this.timeoutSeconds = timeoutSeconds;
    }

    @Override
    public boolean exists(String iface) {
        checkName(iface);
        Result r = run(Duration.ofSeconds(timeoutSeconds), "iproute2", ip, "-o", "link", "show", "dev", iface);
        if (r.code == 0) {
            return true;
        }
        if (r.output.contains("does not exist")) {
            return false;
        }
        throw failed("ip link show dev " + iface, r);
    }

    @Override
    public List<String> addresses(String iface) {
        checkName(iface);
        Result r = run(Duration.ofSeconds(timeoutSeconds), "iproute2", ip, "-o", "-4", "addr", "show", "dev", iface);
        if (r.code != 0) {
            throw r.output.contains("does not exist") ? noInterface(iface) : failed("ip addr show dev " + iface, r);
        }
        List<String> out = new ArrayList<>();
        Matcher m = INET.matcher(r.output);
        while (m.find()) {
            out.add(m.group(1) + "/" + m.group(2));
        }
        return out;
    }

    @Override
    public boolean add(String iface, Inet4Address address, int prefixLength) {
        checkName(iface);
        if (prefixLength < 1 || prefixLength > 32) {
            throw new NetworkException(Reason.INVALID, "prefix length " + prefixLength + " is not 1..32");
        }
        String a = address.getHostAddress();
        if (addresses(iface).stream().anyMatch(s -> s.startsWith(a + "/"))) {
            return false;
        }
        Result r = run(Duration.ofSeconds(timeoutSeconds), "iproute2", ip, "addr", "add", a + "/" + prefixLength, "dev", iface);
        if (r.code == 0) {
            logger.info("added {}/{} to {}", a, prefixLength, iface);
            return true;
        }
        if (r.output.contains("File exists") || r.output.contains("already assigned")) {
            return false; // added between the look and the add
        }
        throw classify("ip addr add " + a + "/" + prefixLength + " dev " + iface, iface, r);
    }

    @Override
    public boolean remove(String iface, Inet4Address address) {
        checkName(iface);
        String a = address.getHostAddress();
        boolean any = false;
        for (String cidr : addresses(iface)) {
            if (!cidr.startsWith(a + "/")) {
                continue;
            }
            Result r = run(Duration.ofSeconds(timeoutSeconds), "iproute2", ip, "addr", "del", cidr, "dev", iface);
            if (r.code == 0) {
                logger.info("removed {} from {}", cidr, iface);
                any = true;
            } else if (!r.output.contains("Cannot assign requested address")) { // gone between the look and the delete
                throw classify("ip addr del " + cidr + " dev " + iface, iface, r);
            }
        }
        return any;
    }

    @Override
    public int announce(String iface, Inet4Address address, int count, Duration interval) {
        checkName(iface);
        if (count < 1 || count > 100) {
            throw new NetworkException(Reason.INVALID, "gratuitous ARP count " + count + " is not 1..100");
        }
        if (interval.isNegative() || interval.compareTo(Duration.ofSeconds(10)) > 0) {
            throw new NetworkException(Reason.INVALID, "gratuitous ARP interval " + interval + " is not 0..10 s");
        }
        String a = address.getHostAddress();
        String seconds = String.format(Locale.ROOT, "%.3f", Math.max(interval.toMillis(), 1) / 1000.0);
        // arping waits "interval" after each request for a reply that never comes: -W is the gap between requests
        Duration limit = interval.multipliedBy(count + 1).plusSeconds(timeoutSeconds);
        Result r = run(limit, "arping", arping, "-U", "-c", Integer.toString(count), "-W", seconds, "-i", iface, "-S", a, a);
        Matcher m = TRANSMITTED.matcher(r.output);
        // exit status 1 = no replies, which is what a gratuitous ARP expects; the statistics say how many went out
        if ((r.code == 0 || r.code == 1) && m.find()) {
            int sent = Integer.parseInt(m.group(1));
            logger.info("sent {} gratuitous ARPs for {} on {}", sent, a, iface);
            return sent;
        }
        throw classify("arping -U -i " + iface + " -S " + a + " " + a, iface, r);
    }

    @Override
    public String hardwareAddress(String iface) {
        checkName(iface);
        Result r = run(Duration.ofSeconds(timeoutSeconds), "iproute2", ip, "-o", "link", "show", "dev", iface);
        if (r.code != 0) {
            throw r.output.contains("does not exist") ? noInterface(iface) : failed("ip link show dev " + iface, r);
        }
        Matcher m = LINK_ETHER.matcher(r.output);
        if (!m.find()) {
            throw new NetworkException(Reason.INVALID, "interface '" + iface + "' has no Ethernet address (is it a loopback or tunnel?); "
                    + "gratuitous ARP needs an Ethernet interface");
        }
        return m.group(1).toLowerCase(Locale.ROOT);
    }

    private static void checkName(String iface) {
        if (iface == null || !IFACE.matcher(iface).matches()) {
            throw new NetworkException(Reason.INVALID, "'" + iface + "' is not an interface name (1-15 of A-Z a-z 0-9 _ . - @)");
        }
    }

    private static NetworkException noInterface(String iface) {
        return new NetworkException(Reason.NO_INTERFACE, "network interface '" + iface + "' does not exist on this node "
                + "('ip link' lists the interfaces); configure an existing one");
    }

    private static NetworkException classify(String what, String iface, Result r) {
        String o = r.output;
        if (o.contains("does not exist") || o.contains("No such device") || o.contains("Cannot find device")) {
            return noInterface(iface);
        }
        if (o.contains("Operation not permitted") || o.contains("Permission denied") || o.contains("must be run as root")
                || o.contains("You don't have permission")) {
            return new NetworkException(Reason.NOT_PERMITTED, what + " was refused (" + o.strip() + "): the node needs CAP_NET_ADMIN "
                    + "and CAP_NET_RAW; run it as root or grant them (systemd AmbientCapabilities=CAP_NET_ADMIN CAP_NET_RAW)");
        }
        return failed(what, r);
    }

    private static NetworkException failed(String what, Result r) {
        return new NetworkException(Reason.FAILED, what + " failed (exit " + r.code + "): " + r.output.strip());
    }

    private record Result(int code, String output) {
    }

    private Result run(Duration limit, String pkg, String... command) {
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new NetworkException(Reason.TOOL_MISSING, "'" + command[0] + "' cannot be run (" + e.getMessage() + "); install the Debian package "
                    + pkg + " (bin/setup does) or set " + (pkg.equals("arping") ? "arping.binary" : "ip.binary") + " in PID " + PID, e);
        }
        try {
            p.getOutputStream().close();
            // read on a virtual thread so a hung tool still meets the deadline; it ends with the process' output
            java.util.concurrent.CompletableFuture<byte[]> out = new java.util.concurrent.CompletableFuture<>();
            Process proc = p;
            Thread.ofVirtual().name("hal-net-" + command[0]).start(() -> {
                try {
                    out.complete(proc.getInputStream().readAllBytes());
                } catch (IOException e) {
                    out.completeExceptionally(e);
                }
            });
            if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new NetworkException(Reason.FAILED, String.join(" ", command) + " did not finish within " + limit.toSeconds() + " s");
            }
            byte[] bytes = out.get(limit.toMillis(), TimeUnit.MILLISECONDS);
            return new Result(p.exitValue(), new String(bytes, StandardCharsets.UTF_8));
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            p.destroyForcibly();
            throw new NetworkException(Reason.FAILED, "reading the output of " + command[0] + " failed: " + e, e);
        } catch (InterruptedIOException | InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new NetworkException(Reason.FAILED, "interrupted while running " + command[0], e);
        } catch (IOException e) {
            p.destroyForcibly();
            throw new NetworkException(Reason.FAILED, "reading the output of " + command[0] + " failed: " + e.getMessage(), e);
        }
    }
}
