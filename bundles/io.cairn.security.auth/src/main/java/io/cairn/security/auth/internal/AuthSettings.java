package io.cairn.security.auth.internal;

import java.time.Duration;

/** The thresholds (spec 30 §9 names and defaults), from {@link AuthConfig}. */
record AuthSettings(int maxFailures, Duration lockout, Duration idleTimeout, Duration absoluteTimeout, int argon2MemoryKib,
        int argon2Iterations, int argon2Parallelism, boolean highStrengthPassword) {

    static AuthSettings defaults() {
        return new AuthSettings(5, Duration.ofSeconds(900), Duration.ofSeconds(900), Duration.ofHours(8), 65536, 3, 1, false);
    }

    static AuthSettings of(AuthConfig c) {
        return new AuthSettings(c.prism__login__max__failures(), Duration.ofSeconds(c.prism__login__lockout__secs()),
                Duration.ofSeconds(c.prism__session__idle__timeout__secs()), Duration.ofSeconds(c.prism__session__absolute__timeout__secs()),
                c.auth__argon2__memory__kib(), c.auth__argon2__iterations(), c.auth__argon2__parallelism(), c.enable__high__strength__password());
    }

    PasswordPolicy policy() {
        return highStrengthPassword ? PasswordPolicy.HIGH_STRENGTH : PasswordPolicy.BASELINE;
    }
}
