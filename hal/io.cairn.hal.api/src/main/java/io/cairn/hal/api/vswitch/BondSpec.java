package io.cairn.hal.api.vswitch;

import java.util.List;
import java.util.Objects;

/** A bonded port over two or more host interfaces. */
public record BondSpec(String name, List<String> members, Mode mode, Lacp lacp) {

    public enum Mode {
        ACTIVE_BACKUP("active-backup"), BALANCE_SLB("balance-slb"), BALANCE_TCP("balance-tcp");

        private final String ovsName;

        Mode(String ovsName) {
            this.ovsName = ovsName;
        }

        public String ovsName() {
            return ovsName;
        }
    }

    public enum Lacp {
        OFF, ACTIVE, PASSIVE
    }

    public BondSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(lacp, "lacp");
        members = List.copyOf(members);
        if (members.size() < 2) {
            throw new IllegalArgumentException("bond " + name + " needs at least two members, not " + members);
        }
        if (mode == Mode.BALANCE_TCP && lacp == Lacp.OFF) {
            throw new IllegalArgumentException("bond " + name + ": balance-tcp needs LACP (active or passive)");
        }
    }
}
