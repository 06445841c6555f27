package io.cairn.common.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;

import io.cairn.common.internal.ReadinessEvaluator.BundleState;
import io.cairn.common.internal.ReadinessEvaluator.ComponentState;

class ReadinessEvaluatorTest {

    @Test
    void givenAllActiveAndSatisfied_thenReady() {
        var r = ReadinessEvaluator.evaluate(
                List.of(new BundleState("a", Bundle.ACTIVE, false, false), new BundleState("frag", Bundle.RESOLVED, true, false),
                        new BundleState("jna", Bundle.STARTING, false, true)),
                List.of(new ComponentState("a", "A", ComponentConfigurationDTO.ACTIVE, ""),
                        new ComponentState("a", "Lazy", ComponentConfigurationDTO.SATISFIED, "")));
        assertThat(r.ready()).isTrue();
        assertThat(r.waitingFor()).isEmpty();
        assertThat(r.bundles()).isEqualTo(3);
        assertThat(r.components()).isEqualTo(2);
    }

    @Test
    void givenResolvedBundleOrUnsatisfiedComponent_thenNotReadyAndSaysWhy() {
        var r = ReadinessEvaluator.evaluate(
                List.of(new BundleState("b", Bundle.RESOLVED, false, false), new BundleState("eager", Bundle.STARTING, false, false)),
                List.of(new ComponentState("a", "Store", ComponentConfigurationDTO.UNSATISFIED_REFERENCE, "[disk]"),
                        new ComponentState("a", "Boom", ComponentConfigurationDTO.FAILED_ACTIVATION, "NPE in activate"),
                        new ComponentState("a", "Cfg", ComponentConfigurationDTO.UNSATISFIED_CONFIGURATION, "")));
        assertThat(r.ready()).isFalse();
        assertThat(r.waitingFor()).containsExactly(
                "bundle b is RESOLVED, expected ACTIVE",
                "bundle eager is STARTING, expected ACTIVE",
                "component Store (a) waits for references [disk]",
                "component Boom (a) failed to activate: NPE in activate",
                "component Cfg (a) waits for its configuration");
    }
}
