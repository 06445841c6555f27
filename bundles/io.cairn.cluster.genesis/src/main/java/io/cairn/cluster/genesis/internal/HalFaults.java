package io.cairn.cluster.genesis.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;

import io.cairn.cluster.api.LocalNode;
import io.cairn.cluster.rpc.RpcCall;
import io.cairn.cluster.rpc.RpcHandler;
import io.cairn.common.error.CairnException;
import io.cairn.common.error.ErrorCode;
import io.cairn.hal.api.faults.Fault;
import io.cairn.hal.api.faults.FaultInjector;

/**
 * Fault injection into this node's simulated disks from outside the JVM ({@code cairn hal fault ...}):
 * {@code hal.faults.list}, {@code hal.faults.inject}, {@code hal.faults.clear}. Served only with
 * cluster credentials (mutual TLS). The {@link FaultInjector} exists only where hal.sim runs (the
 * debug image); without it every call says so.
 */
@Component(service = RpcHandler.class, immediate = true, property = {RpcHandler.METHOD + "=" + HalFaults.LIST,
        RpcHandler.METHOD + "=" + HalFaults.INJECT, RpcHandler.METHOD + "=" + HalFaults.CLEAR})
public final class HalFaults implements RpcHandler {

    static final String LIST = "hal.faults.list";
    static final String INJECT = "hal.faults.inject";
    static final String CLEAR = "hal.faults.clear";

    /** Fault names on the wire, in the order they are listed in messages. */
    static final List<String> KINDS = List.of("eio", "latency", "disappear", "full", "bitflip", "smart_fail");
    static final List<String> OPS = List.of("read", "write", "any");

    private static final Map<String, Set<String>> FIELDS = Map.of(
            "eio", Set.of("op", "offset", "length"),
            "latency", Set.of("op", "millis"),
            "disappear", Set.of(),
            "full", Set.of(),
            "bitflip", Set.of("offset", "length"),
            "smart_fail", Set.of());

    private final Logger logger = LoggerFactory.getLogger(HalFaults.class);
    private final LocalNode local;
    private volatile FaultInjector injector;

    @Activate
    public HalFaults(@Reference LocalNode local) {
        this.local = local;
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void setInjector(FaultInjector f) {
        injector = f;
    }

    void unsetInjector(FaultInjector f) {
        if (injector == f) {
            injector = null;
        }
    }

    @Override
    public byte[] handle(RpcCall call) {
        JsonNode body = Codec.tree(call.body(), call.method());
        return Codec.write(dispatch(call.method(), body, call.principal()));
    }

    Map<String, Object> dispatch(String method, JsonNode body, String principal) {
        FaultInjector f = injector();
        try {
            return call(f, method, body, principal);
        } catch (IllegalArgumentException e) { // a device that went away between the check and the call
            throw CairnException.notFound(e.getMessage());
        }
    }

    private Map<String, Object> call(FaultInjector f, String method, JsonNode body, String principal) {
        return switch (method) {
            case LIST -> list(f);
            case INJECT -> {
                String device = device(f, body, "hal.faults.inject");
                Fault fault = parse(body);
                f.inject(device, fault);
                logger.info("fault {} injected into {} by {}", render(fault), device, principal);
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("node", address());
                out.put("device", device);
                out.put("injected", render(fault));
                out.put("active", f.active(device).stream().map(HalFaults::render).toList());
                yield out;
            }
            case CLEAR -> {
                String device = Codec.text(body, "device", "hal.faults.clear");
                List<String> cleared = new ArrayList<>();
                if (device.equals("*")) {
                    for (String d : new TreeSet<>(f.devices())) {
                        f.clear(d);
                        cleared.add(d);
                    }
                } else {
                    f.clear(device(f, body, "hal.faults.clear"));
                    cleared.add(device);
                }
                logger.info("faults of {} cleared by {}", cleared, principal);
                yield Map.of("node", address(), "cleared", cleared);
            }
            default -> throw CairnException.notFound("no method " + method + "; known: " + LIST + ", " + INJECT + ", " + CLEAR);
        };
    }

    private Map<String, Object> list(FaultInjector f) {
        List<Map<String, Object>> devices = new ArrayList<>();
        StringBuilder text = new StringBuilder("Simulated disks on " + address() + ":\n");
        for (String d : new TreeSet<>(f.devices())) {
            List<Map<String, Object>> faults = f.active(d).stream().map(HalFaults::render).toList();
            devices.add(Map.of("device", d, "faults", faults));
            text.append(String.format("    %-24s %s%n", d, faults.isEmpty() ? "no faults" : String.join("; ", faults.stream().map(HalFaults::describe).toList())));
        }
        if (devices.isEmpty()) {
            text.append("    (none: hal.sim has no disks configured; see cairn node start --sim-disk)\n");
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("node", address());
        out.put("devices", devices);
        out.put("text", text.toString());
        return out;
    }

    /** The device named by the body, which must be one the injector knows. */
    private static String device(FaultInjector f, JsonNode body, String what) {
        String device = Codec.text(body, "device", what);
        Set<String> known = f.devices();
        if (!known.contains(device)) {
            throw CairnException.notFound("no simulated disk '" + device + "' on this node; known: "
                    + (known.isEmpty() ? "none" : String.join(", ", new TreeSet<>(known))));
        }
        return device;
    }

    /** A fault from its JSON form: {@code {"fault": "eio", "op": "read", "offset": 0, "length": 0}} and the like. */
    static Fault parse(JsonNode body) {
        JsonNode k = body.get("fault");
        if (k == null || !k.isTextual() || k.asText().isBlank()) {
            throw CairnException.invalid("'fault' is required: one of " + String.join(", ", KINDS));
        }
        String kind = k.asText().toLowerCase(Locale.ROOT);
        Set<String> allowed = FIELDS.get(kind);
        if (allowed == null) {
            throw CairnException.invalid("'fault' must be one of " + String.join(", ", KINDS) + ", not '" + k.asText() + "'");
        }
        for (var e : body.properties()) {
            String field = e.getKey();
            if (!field.equals("fault") && !field.equals("device") && !allowed.contains(field)) {
                throw CairnException.invalid("fault '" + kind + "' does not take '" + field + "'"
                        + (allowed.isEmpty() ? "; it takes no parameters" : "; it takes " + String.join(", ", new TreeSet<>(allowed))));
            }
        }
        try {
            return switch (kind) {
                case "eio" -> new Fault.IoError(op(body), number(body, "offset", 0), number(body, "length", 0));
                case "latency" -> new Fault.Latency(op(body), Duration.ofMillis(number(body, "millis", -1)));
                case "disappear" -> new Fault.Disappear();
                case "full" -> new Fault.Full();
                case "bitflip" -> new Fault.BitFlip(number(body, "offset", 0), number(body, "length", 0));
                case "smart_fail" -> new Fault.SmartFailure();
                default -> throw new IllegalStateException(kind);
            };
        } catch (IllegalArgumentException e) {
            throw CairnException.invalid(e.getMessage());
        }
    }

    private static Fault.Op op(JsonNode body) {
        JsonNode n = body.get("op");
        if (n == null || n.isNull()) {
            return Fault.Op.ANY;
        }
        String op = n.asText().toLowerCase(Locale.ROOT);
        if (!n.isTextual() || !OPS.contains(op)) {
            throw CairnException.invalid("'op' must be one of " + String.join(", ", OPS) + ", not '" + n.asText() + "'");
        }
        return Fault.Op.valueOf(op.toUpperCase(Locale.ROOT));
    }

    /** A non-negative whole number, given as a JSON number or as text ({@code cairn hal fault inject ... offset=4096}); -1 default = required. */
    private static long number(JsonNode body, String field, long dflt) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            if (dflt < 0) {
                throw CairnException.invalid("'" + field + "' is required: a whole number >= 0");
            }
            return dflt;
        }
        long v;
        if (n.isIntegralNumber() && n.canConvertToLong()) {
            v = n.asLong();
        } else if (n.isTextual()) {
            try {
                v = Long.parseLong(n.asText().trim());
            } catch (NumberFormatException e) {
                throw CairnException.invalid("'" + field + "' must be a whole number >= 0, not '" + n.asText() + "'");
            }
        } else {
            throw CairnException.invalid("'" + field + "' must be a whole number >= 0, not " + n);
        }
        if (v < 0) {
            throw CairnException.invalid("'" + field + "' must be a whole number >= 0, not " + v);
        }
        return v;
    }

    /** A fault in the JSON form {@link #parse} reads. */
    static Map<String, Object> render(Fault fault) {
        Map<String, Object> m = new LinkedHashMap<>();
        switch (fault) {
            case Fault.IoError e -> {
                m.put("fault", "eio");
                m.put("op", e.op().name().toLowerCase(Locale.ROOT));
                m.put("offset", e.offset());
                m.put("length", e.length());
            }
            case Fault.Latency l -> {
                m.put("fault", "latency");
                m.put("op", l.op().name().toLowerCase(Locale.ROOT));
                m.put("millis", l.added().toMillis());
            }
            case Fault.Disappear d -> m.put("fault", "disappear");
            case Fault.Full full -> m.put("fault", "full");
            case Fault.BitFlip b -> {
                m.put("fault", "bitflip");
                m.put("offset", b.offset());
                m.put("length", b.length());
            }
            case Fault.SmartFailure s -> m.put("fault", "smart_fail");
        }
        return m;
    }

    private static String describe(Map<String, Object> fault) {
        StringBuilder b = new StringBuilder(String.valueOf(fault.get("fault")));
        fault.forEach((k, v) -> {
            if (!k.equals("fault")) {
                b.append(' ').append(k).append('=').append(v);
            }
        });
        return b.toString();
    }

    private FaultInjector injector() {
        FaultInjector f = injector;
        if (f == null) {
            throw new CairnException(ErrorCode.UNSUPPORTED, "node " + address()
                    + ": this node has no fault injector: hal.sim is not installed (debug image only)");
        }
        return f;
    }

    private String address() {
        return local.identity().address();
    }
}
