package io.cairn.security.auth.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import io.cairn.common.error.CairnException;

/** TLS client contexts trusting the CA certificates of a PEM (directories, syslog servers). */
final class TrustedCa {

    private TrustedCa() {
    }

    /**
     * A TLS context trusting the certificates of {@code pem}, or the JVM's trust store when it is null.
     *
     * @param what names the configuration in errors ("directory x")
     * @throws CairnException INVALID_ARGUMENT when the PEM holds no usable certificate
     */
    static SSLContext context(String pem, String what) {
        try {
            if (pem == null) {
                return SSLContext.getDefault();
            }
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(null, null);
            int i = 0;
            for (Certificate c : cf.generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))) {
                ks.setCertificateEntry("ca" + i++, c);
            }
            if (i == 0) {
                throw CairnException.invalid(what + ": the CA certificate PEM holds no certificate");
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException | IOException e) {
            throw CairnException.invalid(what + ": the CA certificate is not usable PEM X.509: " + e.getMessage());
        }
    }
}
