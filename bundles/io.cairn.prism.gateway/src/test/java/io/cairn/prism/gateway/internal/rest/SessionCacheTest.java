package io.cairn.prism.gateway.internal.rest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;

import org.junit.jupiter.api.Test;

import io.cairn.security.auth.Principal;

class SessionCacheTest {

    private static final Principal ALICE = new Principal("alice", "local", Set.of("viewer"), Set.of(), false);

    @Test
    void givenAValidatedSession_whenAskedWithinASecond_thenItIsKnown_andAfterwardsOrWhenForgottenItIsNot() {
        SessionCache c = new SessionCache();
        c.remember("t1", ALICE, 0);
        assertThat(c.principal("t1", SessionCache.TTL_NANOS - 1)).contains(ALICE);
        assertThat(c.principal("t1", SessionCache.TTL_NANOS + 1)).as("expired: validated again").isEmpty();
        assertThat(c.size()).isZero();
        c.remember("t2", ALICE, 0);
        c.forget("t2");
        assertThat(c.principal("t2", 1)).isEmpty();
        c.remember("t3", ALICE, 0);
        c.clear();
        assertThat(c.principal("t3", 1)).isEmpty();
    }

    @Test
    void givenMoreSessionsThanTheBound_whenRemembered_thenTheCacheStaysBounded() {
        SessionCache c = new SessionCache();
        for (int i = 0; i < SessionCache.MAX * 2 + 3; i++) {
            c.remember("t" + i, ALICE, 0);
        }
        assertThat(c.size()).isLessThanOrEqualTo(SessionCache.MAX);
    }
}
