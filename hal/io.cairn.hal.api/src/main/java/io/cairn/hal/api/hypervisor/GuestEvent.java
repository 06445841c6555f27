package io.cairn.hal.api.hypervisor;

import java.util.Map;

/** An asynchronous event from the guest's monitor (QMP), e.g. {@code SHUTDOWN}, {@code STOP}, {@code RESUME}. */
public record GuestEvent(String name, Map<String, Object> data) {

    public GuestEvent {
        data = data == null ? Map.of() : Map.copyOf(data);
    }
}
