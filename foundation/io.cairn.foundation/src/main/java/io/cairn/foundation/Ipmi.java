package io.cairn.foundation;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;

import io.cairn.common.clock.Clock;
import io.cairn.hal.api.bmc.Bmc;
import io.cairn.hal.api.bmc.BmcException;
import io.cairn.hal.api.bmc.BootDevice;
import io.cairn.hal.api.bmc.FruInfo;
import io.cairn.hal.api.bmc.PowerState;
import io.cairn.hal.api.bmc.SensorReading;
import io.cairn.hal.ipmi.internal.IpmiConnector;

/**
 * IPMI BMCs through the HAL's IPMI provider (RMCP+), the password read from a file of the node. A BMC
 * acknowledges a power command before the server's power has changed, so power on and off here
 * return once Get Chassis Status reads the new state (Foundation writes the boot disk right after a
 * power off), as the process BMC does.
 */
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
                return new Settling(connector.connect(host, port, user, password), clock);
            } catch (BmcException e) {
                throw new FoundationException("BMC ipmi://" + host + ":" + port + ": " + e.getMessage(), e);
            } finally {
                java.util.Arrays.fill(password, '\0');
            }
        };
    }

    /** Power on/off that wait (up to {@link #SETTLE}) until the BMC reads the new state. */
    static final class Settling implements Bmc {

        static final Duration SETTLE = Duration.ofSeconds(180);

        private final Bmc bmc;
        private final Clock clock;

        Settling(Bmc bmc, Clock clock) {
            this.bmc = bmc;
            this.clock = clock;
        }

        @Override
        public String address() {
            return bmc.address();
        }

        @Override
        public PowerState powerState() throws BmcException {
            return bmc.powerState();
        }

        @Override
        public void powerOn() throws BmcException {
            bmc.powerOn();
            settle(PowerState.ON, "power on");
        }

        @Override
        public void powerOff() throws BmcException {
            bmc.powerOff();
            settle(PowerState.OFF, "power off");
        }

        private void settle(PowerState want, String what) throws BmcException {
            long deadline = clock.nanoTime() + SETTLE.toNanos();
            PowerState now = bmc.powerState();
            while (now != want) {
                if (clock.nanoTime() > deadline) {
                    throw new BmcException(BmcException.Reason.TIMEOUT, bmc.address() + " acknowledged " + what
                            + " but still reads " + now + " after " + SETTLE.toSeconds() + " s");
                }
                try {
                    clock.sleep(Duration.ofMillis(250));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new BmcException(BmcException.Reason.TIMEOUT, what + " interrupted", e);
                }
                now = bmc.powerState();
            }
        }

        @Override
        public void powerCycle() throws BmcException {
            bmc.powerCycle();
        }

        @Override
        public void reset() throws BmcException {
            bmc.reset();
        }

        @Override
        public void softOff() throws BmcException {
            bmc.softOff();
        }

        @Override
        public void setBootDevice(BootDevice device, boolean persistent) throws BmcException {
            bmc.setBootDevice(device, persistent);
        }

        @Override
        public BootDevice bootDevice() throws BmcException {
            return bmc.bootDevice();
        }

        @Override
        public List<SensorReading> sensors() throws BmcException {
            return bmc.sensors();
        }

        @Override
        public FruInfo inventory() throws BmcException {
            return bmc.inventory();
        }

        @Override
        public java.net.Inet4Address lanAddress() throws BmcException {
            return bmc.lanAddress();
        }

        @Override
        public void setLanAddress(java.net.Inet4Address address) throws BmcException {
            bmc.setLanAddress(address);
        }
    }
}
