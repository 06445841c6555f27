package io.cairn.hal.api.vswitch;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A port to add to a bridge. {@code type}: {@code SYSTEM} (an existing host interface such as a
 * veth end), {@code INTERNAL}, {@code TAP}, {@code PATCH} (option {@code peer}), {@code VXLAN} or
 * {@code GENEVE} (option {@code remote_ip}, optional {@code key}). VLAN: {@code tag} set = access
 * port; {@code trunks} non-empty = trunk of those VLANs; neither = all VLANs untouched.
 */
public record PortSpec(String name, PortType type, Integer tag, List<Integer> trunks, Map<String, String> options) {

    public enum PortType {
        SYSTEM, INTERNAL, TAP, PATCH, VXLAN, GENEVE
    }

    public PortSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        trunks = trunks == null ? List.of() : List.copyOf(trunks);
        options = options == null ? Map.of() : Map.copyOf(options);
        if (tag != null && (tag < 1 || tag > 4094)) {
            throw new IllegalArgumentException("port " + name + ": VLAN tag " + tag + " is outside 1-4094");
        }
        if (tag != null && !trunks.isEmpty()) {
            throw new IllegalArgumentException("port " + name + " cannot be both an access port (tag) and a trunk");
        }
        for (int t : trunks) {
            if (t < 0 || t > 4094) {
                throw new IllegalArgumentException("port " + name + ": trunk VLAN " + t + " is outside 0-4094");
            }
        }
    }

    public static PortSpec of(String name, PortType type) {
        return new PortSpec(name, type, null, List.of(), Map.of());
    }
}
