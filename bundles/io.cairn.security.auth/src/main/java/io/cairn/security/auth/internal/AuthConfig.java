package io.cairn.security.auth.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Authentication settings (PID {@value #PID}); the same on every node. */
@ObjectClassDefinition(name = "Cairn authentication", description = "Prism local users, lockout, sessions, password hashing")
public @interface AuthConfig {

    String PID = "io.cairn.security.auth";

    @AttributeDefinition(description = "Consecutive failed logins of a local user that lock it (spec 30 §9)", min = "1")
    int prism__login__max__failures() default 5;

    @AttributeDefinition(description = "How long a lockout lasts, seconds", min = "1")
    long prism__login__lockout__secs() default 900;

    @AttributeDefinition(description = "A session unused this long expires, seconds", min = "1")
    long prism__session__idle__timeout__secs() default 900;

    @AttributeDefinition(description = "A session expires this long after login whatever its use, seconds (spec 10 §9: 8 h)", min = "1")
    long prism__session__absolute__timeout__secs() default 28800;

    @AttributeDefinition(description = "Argon2id memory, KiB (spec 30 §9: 65536)", min = "8")
    int auth__argon2__memory__kib() default 65536;

    @AttributeDefinition(description = "Argon2id iterations (spec 30 §9: 3)", min = "1")
    int auth__argon2__iterations() default 3;

    @AttributeDefinition(description = "Argon2id parallelism (spec 30 §9: 1)", min = "1")
    int auth__argon2__parallelism() default 1;

    @AttributeDefinition(description = "High-strength password policy (SCMA enable-high-strength-password): 15 characters, 8 new, last 24")
    boolean enable__high__strength__password() default false;
}
