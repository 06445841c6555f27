package io.cairn.hal.ipmi.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import io.cairn.hal.api.bmc.Bmc;
import io.cairn.hal.api.bmc.BmcConnector;

/** Connects to BMCs over IPMI 2.0 LAN (RMCP+, cipher suite 3). */
@Component(configurationPid = IpmiConnector.PID)
@Designate(ocd = IpmiConnector.Config.class)
public final class IpmiConnector implements BmcConnector {

    static final String PID = "io.cairn.hal.ipmi";

    @ObjectClassDefinition(name = "Cairn IPMI")
    public @interface Config {
        @AttributeDefinition(description = "Milliseconds to wait for each BMC answer")
        int timeout_millis() default 1000;

        @AttributeDefinition(description = "Retransmissions before a BMC counts as unreachable")
        int retries() default 3;
    }

    private final Duration timeout;
    private final int retries;

    @Activate
    public IpmiConnector(Config config) {
        this(Duration.ofMillis(config.timeout_millis()), config.retries());
    }

    IpmiConnector(Duration timeout, int retries) {
        this.timeout = timeout;
        this.retries = retries;
    }

    @Override
    public Bmc connect(String host, int port, String user, char[] password) throws IOException {
        IpmiBmc bmc = new IpmiBmc(new InetSocketAddress(host, port), user, password, timeout, retries);
        bmc.verify();
        return bmc;
    }
}
