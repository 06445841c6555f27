package io.cairn.hal.linux.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import io.cairn.hal.api.facts.NodeFacts;

class LinuxNodeFactsTest {

    @Test
    void givenCpuinfoText_thenModelCoresAndFlags() {
        String cpuinfo = """
                processor\t: 0
                model name\t: AMD EPYC 7B13
                flags\t\t: fpu vme sse2 svm aes avx2
                
                processor\t: 1
                model name\t: AMD EPYC 7B13
                flags\t\t: fpu vme sse2 svm aes avx2
                """;
        NodeFacts.CpuInfo cpu = LinuxNodeFacts.parseCpu(cpuinfo);
        assertThat(cpu.model()).isEqualTo("AMD EPYC 7B13");
        assertThat(cpu.cores()).isEqualTo(2);
        assertThat(cpu.hasFlag("svm")).isTrue();
        assertThat(LinuxNodeFacts.parseMemTotal("MemTotal:       24558452 kB\nMemFree: 1 kB\n")).isEqualTo(24558452L * 1024);
    }

    @Test
    void givenThisMachine_thenFactsMatchWhatTheJvmSees() {
        LinuxNodeFacts facts = new LinuxNodeFacts();
        assertThat(facts.cpu().cores()).isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(facts.cpu().model()).isNotBlank();
        assertThat(facts.memoryBytes()).isGreaterThan(Runtime.getRuntime().maxMemory() / 4);
        assertThat(facts.nics()).anySatisfy(n -> {
            assertThat(n.name()).isEqualTo("lo");
            assertThat(n.mtu()).isPositive();
        });
    }
}
