package io.cairn.foundation;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;

import io.cairn.common.clock.Clock;
import io.cairn.hal.api.bmc.BmcException;
import io.cairn.hal.ipmi.internal.IpmiConnector;

/** IPMI BMCs through the HAL's IPMI provider (RMCP+), the password read from a file of the node. */
final class Ipmi {

    private Ipmi() {
    }

    static NodeHome.BmcAccess access(Clock clock) {
        IpmiConnector connector = IpmiConnector.standalone(Duration.ofSeconds(1), 3, clock);
        return (host, port, user, passwordFile) -> {
            char[] password;
            try {
                password = Files.readString(passwordFile, StandardCharsets.UTF_8).strip().toCharArray();
            } catch (IOException e) {
                throw new FoundationException("cannot read the BMC password file " + passwordFile + ": " + e.getMessage());
            }
            try {
                return connector.connect(host, port, user, password);
            } catch (BmcException e) {
                throw new FoundationException("BMC ipmi://" + host + ":" + port + ": " + e.getMessage(), e);
            } finally {
                java.util.Arrays.fill(password, '\0');
            }
        };
    }
}
