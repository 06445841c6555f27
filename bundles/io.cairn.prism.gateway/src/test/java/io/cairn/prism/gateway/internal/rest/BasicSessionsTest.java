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

    @Test
    void givenManyConcurrentFirstRequests_whenTheyLogIn_thenOneLoginRunsAndAllShareItsSession() throws Exception {
        BasicSessions b = new BasicSessions();
        String key = b.key("alice", "pw", "10.0.0.1");
        java.util.concurrent.atomic.AtomicInteger logins = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        io.cairn.security.auth.Session session = new io.cairn.security.auth.Session("tok", new io.cairn.security.auth.Principal("alice",
                "local", java.util.Set.of(), java.util.Set.of(), false), java.time.Instant.EPOCH, java.time.Instant.EPOCH, java.time.Instant.EPOCH);
        java.util.List<java.util.concurrent.Future<io.cairn.security.auth.Session>> got = new java.util.ArrayList<>();
        try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 32; i++) {
                got.add(pool.submit(() -> b.loginOnce(key, () -> {
                    logins.incrementAndGet();
                    try {
                        release.await(); // the first login is slow (Argon2id): everyone else arrives meanwhile
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                    return session;
                })));
            }
            Thread.sleep(300);
            release.countDown();
            for (var f : got) {
                assertThat(f.get()).isSameAs(session);
            }
        }
        assertThat(logins.get()).as("logins run for 32 simultaneous requests").isLessThan(32);
        // a failure is shared too, and the next attempt runs a login again
        RuntimeException bad = new IllegalStateException("wrong user name or password");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> b.loginOnce(key, () -> {
            throw bad;
        })).isSameAs(bad);
        assertThat(b.loginOnce(key, () -> session)).isSameAs(session);
    }
}
