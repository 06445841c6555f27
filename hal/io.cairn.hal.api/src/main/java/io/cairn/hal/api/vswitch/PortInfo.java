package io.cairn.hal.api.vswitch;

import java.util.List;

/** A port as the switch reports it. {@code type} is the OVS interface type ("" = system). */
public record PortInfo(String name, List<String> interfaces, String type, Integer tag, List<Integer> trunks, String bondMode) {

    public PortInfo {
        interfaces = List.copyOf(interfaces);
        trunks = List.copyOf(trunks);
    }
}
