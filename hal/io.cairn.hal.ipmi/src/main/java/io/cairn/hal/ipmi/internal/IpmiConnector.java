package io.cairn.hal.ipmi.internal;

import java.net.InetSocketAddress;
import java.time.Duration;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

import io.cairn.common.clock.Clock;
import io.cairn.hal.api.bmc.Bmc;
import io.cairn.hal.api.bmc.BmcConnector;
import io.cairn.hal.api.bmc.BmcException;
import io.cairn.hal.api.bmc.BmcException.Reason;

/** Connects to BMCs over IPMI 2.0 LAN (RMCP+, cipher suite 3). */
@Component(configurationPid = IpmiConnector.PID, property = "hal.provider=ipmi")
@Designate(ocd = IpmiConnector.Config.class)
public final class IpmiConnector implements BmcConnector {

    static final String PID = "io.cairn.hal.ipmi";

    @ObjectClassDefinition(name = "Cairn IPMI", description = "IPMI 2.0 (RMCP+) BMC client")
    public @interface Config {
        @AttributeDefinition(description = "Milliseconds to wait for each BMC answer before retransmitting", min = "1")
        int timeout_millis() default 1000;

        @AttributeDefinition(description = "Retransmissions before a BMC counts as not answering", min = "0")
        int retries() default 3;

        @AttributeDefinition(description = "Session privilege level to ask for", options = {
            @Option(value = "ADMINISTRATOR"), @Option(value = "OPERATOR")})
        String privilege() default "ADMINISTRATOR";
    }

    private final Duration timeout;
    private final int retries;
    private final Privilege privilege;
    private final Clock clock;

    @Activate
    public IpmiConnector(Config config, @Reference Clock clock) {
        this(Duration.ofMillis(config.timeout_millis()), config.retries(), privilege(config.privilege()), clock);
    }

    /** A connector outside OSGi (the Foundation tool): administrator sessions. */
    public static IpmiConnector standalone(Duration timeout, int retries, Clock clock) {
        return new IpmiConnector(timeout, retries, Privilege.ADMINISTRATOR, clock);
    }

    IpmiConnector(Duration timeout, int retries, Privilege privilege, Clock clock) {
        if (timeout.isNegative() || timeout.isZero() || retries < 0) {
            throw new IllegalArgumentException(PID + ": timeout.millis must be positive and retries not negative, got "
                    + timeout.toMillis() + " and " + retries);
        }
        this.timeout = timeout;
        this.retries = retries;
        this.privilege = privilege;
        this.clock = clock;
    }

    private static Privilege privilege(String name) {
        try {
            return Privilege.valueOf(name.strip().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(PID + ": privilege must be ADMINISTRATOR or OPERATOR, not '" + name + "'", e);
        }
    }

    @Override
    public Bmc connect(String host, int port, String user, char[] password) throws BmcException {
        if (port < 1 || port > 65535) {
            throw new BmcException(Reason.UNREACHABLE, "BMC " + host + ":" + port + ": not a UDP port");
        }
        IpmiBmc bmc = new IpmiBmc(new InetSocketAddress(host, port), user, password, privilege, timeout, retries, clock);
        bmc.verify();
        return bmc;
    }
}
