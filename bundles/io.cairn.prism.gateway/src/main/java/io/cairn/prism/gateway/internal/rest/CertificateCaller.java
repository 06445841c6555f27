package io.cairn.prism.gateway.internal.rest;

import java.security.cert.X509Certificate;
import java.util.Optional;

import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

import io.cairn.prism.api.Action;
import io.cairn.prism.api.Caller;

/**
 * A caller proven by a client certificate from the cluster CA (the TLS layer verified the chain):
 * the {@code admin} credential {@code cairn cluster create} issues is a Cluster Admin; node
 * certificates and any other name get nothing here.
 */
record CertificateCaller(String name) implements Caller {

    static final String ADMIN = "admin";

    @Override
    public String provider() {
        return "certificate";
    }

    @Override
    public boolean permits(String entityType, Action action) {
        return name.equals(ADMIN);
    }

    static Optional<Caller> from(Object attribute) {
        if (!(attribute instanceof X509Certificate[] chain) || chain.length == 0) {
            return Optional.empty();
        }
        try {
            for (Rdn rdn : new LdapName(chain[0].getSubjectX500Principal().getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN") && ADMIN.equals(rdn.getValue())) {
                    return Optional.of(new CertificateCaller(ADMIN));
                }
            }
        } catch (InvalidNameException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }
}
