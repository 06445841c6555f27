package io.cairn.common.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.DoubleSupplier;
import java.util.regex.Pattern;

import org.osgi.service.component.annotations.Component;

import io.cairn.common.error.CairnException;
import io.cairn.common.metrics.Counter;
import io.cairn.common.metrics.Histogram;
import io.cairn.common.metrics.MetricsRegistry;

/** The node's metrics registry, scraped in the Prometheus text format 0.0.4. */
@Component(service = MetricsRegistry.class)
public final class PrometheusRegistry implements MetricsRegistry {

    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

    private enum Kind {
        COUNTER("counter"), GAUGE("gauge"), HISTOGRAM("histogram");

        final String text;

        Kind(String text) {
            this.text = text;
        }
    }

    private record Family(String name, String help, Kind kind, Map<String, Object> series) {
    }

    private final Map<String, Family> families = new ConcurrentHashMap<>();

    @Override
    public Counter counter(String name, String help, String... labels) {
        return (Counter) family(name, help, Kind.COUNTER).series.computeIfAbsent(labelText(labels), k -> new CounterImpl());
    }

    @Override
    public void gauge(String name, String help, DoubleSupplier value, String... labels) {
        family(name, help, Kind.GAUGE).series.put(labelText(labels), value);
    }

    @Override
    public Histogram histogram(String name, String help, double[] buckets, String... labels) {
        for (int i = 1; i < buckets.length; i++) {
            if (!(buckets[i] > buckets[i - 1])) {
                throw CairnException.invalid("histogram " + name + ": bucket bounds must ascend, got " + buckets[i - 1]
                        + " then " + buckets[i]);
            }
        }
        return (Histogram) family(name, help, Kind.HISTOGRAM).series.computeIfAbsent(labelText(labels),
                k -> new HistogramImpl(buckets.clone()));
    }

    @Override
    public void remove(String name) {
        families.remove(name);
    }

    @Override
    public String scrape() {
        StringBuilder out = new StringBuilder();
        for (Family f : new TreeMap<>(families).values()) {
            out.append("# HELP ").append(f.name).append(' ').append(escapeHelp(f.help)).append('\n');
            out.append("# TYPE ").append(f.name).append(' ').append(f.kind.text).append('\n');
            for (Map.Entry<String, Object> s : new TreeMap<>(f.series).entrySet()) {
                String labels = s.getKey();
                switch (s.getValue()) {
                    case CounterImpl c -> sample(out, f.name, labels, Long.toString(c.value()));
                    case DoubleSupplier g -> sample(out, f.name, labels, number(read(g)));
                    case HistogramImpl h -> h.write(out, f.name, labels);
                    default -> throw new IllegalStateException();
                }
            }
        }
        return out.toString();
    }

    private static double read(DoubleSupplier g) {
        try {
            return g.getAsDouble();
        } catch (RuntimeException e) {
            return Double.NaN;
        }
    }

    private Family family(String name, String help, Kind kind) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw CairnException.invalid("'" + name + "' is not a valid metric name; use [a-zA-Z_:][a-zA-Z0-9_:]*");
        }
        if (kind == Kind.COUNTER && !name.endsWith("_total")) {
            throw CairnException.invalid("counter '" + name + "' must end in _total");
        }
        Family f = families.computeIfAbsent(name, n -> new Family(n, help == null ? "" : help, kind, new ConcurrentHashMap<>()));
        if (f.kind != kind) {
            throw CairnException.invalid("metric '" + name + "' is already registered as a " + f.kind.text + ", not a " + kind.text);
        }
        return f;
    }

    /** Labels as their exposition text, {@code {a="1",b="2"}} sorted by name, or "" without labels. */
    static String labelText(String... labels) {
        if (labels.length % 2 != 0) {
            throw CairnException.invalid("labels come in name, value pairs; got an odd count " + labels.length);
        }
        if (labels.length == 0) {
            return "";
        }
        TreeMap<String, String> sorted = new TreeMap<>();
        for (int i = 0; i < labels.length; i += 2) {
            if (!LABEL.matcher(labels[i]).matches() || labels[i].startsWith("__")) {
                throw CairnException.invalid("'" + labels[i] + "' is not a valid label name");
            }
            sorted.put(labels[i], labels[i + 1] == null ? "" : labels[i + 1]);
        }
        List<String> parts = new ArrayList<>();
        sorted.forEach((k, v) -> parts.add(k + "=\"" + escapeValue(v) + "\""));
        return "{" + String.join(",", parts) + "}";
    }

    private static void sample(StringBuilder out, String name, String labels, String value) {
        out.append(name).append(labels).append(' ').append(value).append('\n');
    }

    static String number(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+Inf" : "-Inf";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return Double.toString(v);
    }

    private static String escapeValue(String v) {
        return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    private static String escapeHelp(String v) {
        return v.replace("\\", "\\\\").replace("\n", "\\n");
    }

    private static final class CounterImpl implements Counter {
        private final LongAdder adder = new LongAdder();

        @Override
        public void increment() {
            adder.increment();
        }

        @Override
        public void add(long amount) {
            if (amount < 0) {
                throw CairnException.invalid("a counter only grows; cannot add " + amount);
            }
            adder.add(amount);
        }

        @Override
        public long value() {
            return adder.sum();
        }
    }

    private static final class HistogramImpl implements Histogram {
        private final double[] bounds;
        private final LongAdder[] buckets;
        private final DoubleAdder sum = new DoubleAdder();
        private final AtomicLong count = new AtomicLong();

        HistogramImpl(double[] bounds) {
            this.bounds = bounds;
            this.buckets = new LongAdder[bounds.length + 1];
            for (int i = 0; i < buckets.length; i++) {
                buckets[i] = new LongAdder();
            }
        }

        @Override
        public void observe(double value) {
            int i = 0;
            while (i < bounds.length && value > bounds[i]) {
                i++;
            }
            buckets[i].increment();
            sum.add(value);
            count.incrementAndGet();
        }

        @Override
        public long count() {
            return count.get();
        }

        @Override
        public double sum() {
            return sum.sum();
        }

        void write(StringBuilder out, String name, String labels) {
            long cumulative = 0;
            for (int i = 0; i <= bounds.length; i++) {
                cumulative += buckets[i].sum();
                String le = i < bounds.length ? number(bounds[i]) : "+Inf";
                String l = labels.isEmpty() ? "{le=\"" + le + "\"}" : labels.substring(0, labels.length() - 1) + ",le=\"" + le + "\"}";
                sample(out, name + "_bucket", l, Long.toString(cumulative));
            }
            sample(out, name + "_sum", labels, number(sum()));
            sample(out, name + "_count", labels, Long.toString(cumulative));
        }
    }
}
