package io.cairn.common.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import io.cairn.common.error.CairnException;

class PrometheusRegistryTest {

    private final PrometheusRegistry registry = new PrometheusRegistry();

    @Test
    void givenCounterGaugeAndHistogram_whenScraped_thenTextFormatHasHelpTypeAndSamples() {
        registry.counter("cairn_rpc_calls_total", "Calls served", "method", "genesis.status").add(3);
        registry.counter("cairn_rpc_calls_total", "Calls served", "method", "genesis.status").increment();
        registry.gauge("cairn_up", "1 when up", () -> 1.0);
        var h = registry.histogram("cairn_latency_seconds", "Latency", new double[] {0.001, 0.01}, "op", "read");
        h.observe(0.0005);
        h.observe(0.005);
        h.observe(5);
        String text = registry.scrape();
        assertThat(text).contains("# HELP cairn_rpc_calls_total Calls served\n# TYPE cairn_rpc_calls_total counter\n"
                + "cairn_rpc_calls_total{method=\"genesis.status\"} 4\n");
        assertThat(text).contains("# TYPE cairn_up gauge\ncairn_up 1\n");
        assertThat(text).contains("cairn_latency_seconds_bucket{op=\"read\",le=\"0.001\"} 1\n",
                "cairn_latency_seconds_bucket{op=\"read\",le=\"0.01\"} 2\n",
                "cairn_latency_seconds_bucket{op=\"read\",le=\"+Inf\"} 3\n", "cairn_latency_seconds_count{op=\"read\"} 3\n",
                "cairn_latency_seconds_sum{op=\"read\"} 5.0055\n");
    }

    @Test
    void givenLabelValueWithQuotesAndNewline_whenScraped_thenEscaped() {
        registry.counter("x_total", "h", "path", "a\"b\nc\\").increment();
        assertThat(registry.scrape()).contains("x_total{path=\"a\\\"b\\nc\\\\\"} 1");
    }

    @Test
    void givenBadNamesOrKinds_whenRegistered_thenClearErrors() {
        assertThatThrownBy(() -> registry.counter("1bad_total", "h")).isInstanceOf(CairnException.class)
                .hasMessageContaining("not a valid metric name");
        assertThatThrownBy(() -> registry.counter("requests", "h")).hasMessageContaining("must end in _total");
        registry.gauge("g", "h", () -> 2);
        assertThatThrownBy(() -> registry.counter("g", "h")).hasMessageContaining("must end in _total");
        assertThatThrownBy(() -> registry.histogram("g", "h", new double[] {1})).hasMessageContaining("already registered as a gauge");
        assertThatThrownBy(() -> registry.counter("c_total", "h", "odd")).hasMessageContaining("odd count");
        assertThatThrownBy(() -> registry.histogram("hh", "h", new double[] {2, 1})).hasMessageContaining("must ascend");
    }

    @Test
    void givenFailingGauge_whenScraped_thenNaNAndOthersStillReported() {
        registry.gauge("broken", "h", () -> {
            throw new IllegalStateException("x");
        });
        registry.gauge("fine", "h", () -> 2.5);
        assertThat(registry.scrape()).contains("broken NaN", "fine 2.5");
    }
}
