package io.cairn.prism.gateway.internal.rest;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BasicSessionsTest {

    @Test
    void givenCredentials_whenKeyed_thenUserPasswordAndSourceAllCount_andNothingIsKeptInClear() {
        BasicSessions b = new BasicSessions();
        String k = b.key("alice", "pw", "10.0.0.1");
        assertThat(b.key("alice", "pw", "10.0.0.1")).isEqualTo(k);
        assertThat(b.key("alice", "pw2", "10.0.0.1")).isNotEqualTo(k);
        assertThat(b.key("alice", "pw", "10.0.0.2")).isNotEqualTo(k);
        assertThat(b.key("alicepw", "", "10.0.0.1")).as("parts are separated").isNotEqualTo(b.key("alice", "pw", "10.0.0.1"));
        assertThat(k).doesNotContain("alice").doesNotContain("pw").hasSize(64);
        assertThat(new BasicSessions().key("alice", "pw", "10.0.0.1")).as("salted per process").isNotEqualTo(k);
    }

    @Test
    void givenManyLogins_whenRemembered_thenTheOldestAreForgottenBeyondTheBound() {
        BasicSessions b = new BasicSessions();
        for (int i = 0; i < BasicSessions.MAX + 10; i++) {
            b.remember("k" + i, "t" + i);
        }
        assertThat(b.size()).isEqualTo(BasicSessions.MAX);
        assertThat(b.token("k0")).isEmpty();
        assertThat(b.token("k" + (BasicSessions.MAX + 9))).contains("t" + (BasicSessions.MAX + 9));
        b.forget("k" + (BasicSessions.MAX + 9));
        assertThat(b.token("k" + (BasicSessions.MAX + 9))).isEmpty();
    }
}
