package io.cairn.cluster.rpc.internal;

import java.io.IOException;
import java.io.Reader;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Set;

import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

import io.cairn.cluster.rpc.Credentials;
import io.cairn.common.error.CairnException;
import io.cairn.common.error.ErrorCode;

/**
 * PEM files of the transport: credentials directories ({@code key.pem}, {@code cert.pem},
 * {@code ca.pem}) and the CA ({@code ca.key.pem}, {@code ca.pem}). Keys are PKCS#8
 * {@code PRIVATE KEY} blocks, written with mode 0600; every file is written to a temporary file
 * and atomically renamed, so a crash leaves the old or the new file, never half of one.
 */
public final class Pem {

    public static final String KEY = "key.pem";
    public static final String CERT = "cert.pem";
    public static final String CA = "ca.pem";
    public static final String CA_KEY = "ca.key.pem";
    /** The cluster CRL as this member last applied it. */
    public static final String CRL = "crl.pem";

    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private Pem() {
    }

    public static Credentials loadCredentials(Path dir) {
        PrivateKey key = readPrivateKey(dir.resolve(KEY));
        X509Certificate cert = readCertificate(dir.resolve(CERT));
        X509Certificate ca = readCertificate(dir.resolve(CA));
        if (!Arrays.equals(Pki.publicKeyOf(key).getEncoded(), cert.getPublicKey().getEncoded())) {
            throw CairnException.invalid(dir.resolve(CERT) + " does not certify the key in " + dir.resolve(KEY)
                    + "; the two files come from different credentials, copy a matching pair");
        }
        return new Credentials(key, cert, ca);
    }

    public static void storeCredentials(Credentials credentials, Path dir) {
        createDirectories(dir);
        writePrivateKey(dir.resolve(KEY), credentials.key());
        writeCertificate(dir.resolve(CERT), credentials.certificate());
        writeCertificate(dir.resolve(CA), credentials.ca());
    }

    public static Pki.Ca loadCa(Path dir) {
        return ca(readPrivateKey(dir.resolve(CA_KEY)), readCertificate(dir.resolve(CA)), dir.resolve(CA_KEY).toString());
    }

    /** The CA of this key and certificate, refused when they do not match or the certificate is not a CA's. */
    public static Pki.Ca ca(PrivateKey key, X509Certificate cert, String what) {
        if (!Arrays.equals(Pki.publicKeyOf(key).getEncoded(), cert.getPublicKey().getEncoded())) {
            throw CairnException.invalid(what + " is not the key of the CA certificate " + cert.getSubjectX500Principal().getName()
                    + "; restore the CA key and certificate as a pair");
        }
        if (cert.getBasicConstraints() < 0) {
            throw CairnException.invalid(cert.getSubjectX500Principal().getName() + " is not a CA certificate; restore the cluster CA");
        }
        return new Pki.Ca(new KeyPair(cert.getPublicKey(), key), cert);
    }

    /** A PKCS#8 private key as PEM text. */
    public static String privateKeyPem(PrivateKey key) {
        byte[] der = key.getEncoded();
        try {
            return new String(encode("PRIVATE KEY", der), StandardCharsets.US_ASCII);
        } finally {
            Arrays.fill(der, (byte) 0);
        }
    }

    /** Reads a PKCS#8 private key from PEM text. */
    public static PrivateKey parsePrivateKey(String pem, String what) {
        try (PEMParser parser = new PEMParser(new java.io.StringReader(pem == null ? "" : pem))) {
            Object o = parser.readObject();
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            if (o instanceof PrivateKeyInfo info) {
                return converter.getPrivateKey(info);
            }
            throw CairnException.invalid(what + " is not a PKCS#8 private key (BEGIN PRIVATE KEY); it holds " + describe(o));
        } catch (IOException e) {
            throw CairnException.invalid(what + " is not readable PEM: " + e.getMessage());
        }
    }

    public static void storeCa(KeyPair keyPair, X509Certificate certificate, Path dir) {
        createDirectories(dir);
        writePrivateKey(dir.resolve(CA_KEY), keyPair.getPrivate());
        writeCertificate(dir.resolve(CA), certificate);
    }

    /** The subject's common name, e.g. {@code node:<uuid>} or {@code admin}; the whole subject if it has none. */
    public static String commonName(X509Certificate certificate) {
        X500Name subject = X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded());
        RDN[] cns = subject.getRDNs(BCStyle.CN);
        if (cns.length == 0 || cns[0].getFirst() == null) {
            return certificate.getSubjectX500Principal().getName();
        }
        var value = cns[0].getFirst().getValue();
        return value instanceof ASN1String s ? s.getString() : IETFUtils.valueToString(value);
    }

    /** SHA-256 over the DER certificate, upper-case hex pairs separated by colons. */
    public static String fingerprint(X509Certificate certificate) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded());
            return HexFormat.ofDelimiter(":").withUpperCase().formatHex(digest);
        } catch (GeneralSecurityException e) {
            throw new CairnException(ErrorCode.INTERNAL, "cannot fingerprint " + certificate.getSubjectX500Principal() + ": " + e, e);
        }
    }

    public static X509Certificate readCertificate(Path file) {
        Object o = readObject(file, "a certificate (BEGIN CERTIFICATE)");
        if (!(o instanceof X509CertificateHolder holder)) {
            throw unreadable(file, "a certificate (BEGIN CERTIFICATE)", "it holds " + describe(o));
        }
        try {
            return new JcaX509CertificateConverter().getCertificate(holder);
        } catch (GeneralSecurityException e) {
            throw unreadable(file, "a certificate (BEGIN CERTIFICATE)", e.getMessage());
        }
    }

    /** {@code crl} as PEM ({@code BEGIN X509 CRL}). */
    public static String crlPem(java.security.cert.X509CRL crl) {
        try {
            return new String(encode("X509 CRL", crl.getEncoded()), StandardCharsets.US_ASCII);
        } catch (java.security.cert.CRLException e) {
            throw new CairnException(ErrorCode.INTERNAL, "cannot encode the CRL of " + crl.getIssuerX500Principal() + ": " + e, e);
        }
    }

    /** Parses a PEM CRL ({@code BEGIN X509 CRL}); {@code what} names it in the error. */
    public static java.security.cert.X509CRL parseCrl(String pem, String what) {
        try {
            java.security.cert.CRL crl = java.security.cert.CertificateFactory.getInstance("X.509")
                    .generateCRL(new java.io.ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
            if (crl instanceof java.security.cert.X509CRL x) {
                return x;
            }
            throw CairnException.invalid(what + " is not an X.509 CRL");
        } catch (GeneralSecurityException | RuntimeException e) {
            if (e instanceof CairnException ce) {
                throw ce;
            }
            throw CairnException.invalid(what + " is not a PEM X.509 CRL (BEGIN X509 CRL): " + e.getMessage());
        }
    }

    public static void writeCrl(Path file, java.security.cert.X509CRL crl) {
        writeAtomically(file, crlPem(crl).getBytes(StandardCharsets.US_ASCII), false);
    }

    public static PrivateKey readPrivateKey(Path file) {
        String what = "a PKCS#8 private key (BEGIN PRIVATE KEY)";
        Object o = readObject(file, what);
        try {
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            if (o instanceof PrivateKeyInfo info) {
                return converter.getPrivateKey(info);
            }
            if (o instanceof PEMKeyPair pair) {
                return converter.getKeyPair(pair).getPrivate();
            }
        } catch (IOException e) {
            throw unreadable(file, what, e.getMessage());
        }
        throw unreadable(file, what, "it holds " + describe(o));
    }

    public static void writeCertificate(Path file, X509Certificate certificate) {
        try {
            writeAtomically(file, encode("CERTIFICATE", certificate.getEncoded()), false);
        } catch (CertificateEncodingException e) {
            throw new CairnException(ErrorCode.INTERNAL, "cannot encode " + certificate.getSubjectX500Principal() + ": " + e, e);
        }
    }

    public static void writePrivateKey(Path file, PrivateKey key) {
        if (!"PKCS#8".equals(key.getFormat())) {
            throw CairnException.invalid("cannot store a " + key.getFormat() + " private key in " + file + "; expected PKCS#8");
        }
        byte[] der = key.getEncoded();
        try {
            writeAtomically(file, encode("PRIVATE KEY", der), true);
        } finally {
            Arrays.fill(der, (byte) 0);
        }
    }

    static byte[] encode(String type, byte[] der) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return ("-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** Writes a temporary file next to {@code file} (0600 for secrets), forces it to disk and renames it over {@code file}. */
    static void writeAtomically(Path file, byte[] content, boolean secret) {
        Path dir = file.toAbsolutePath().getParent();
        createDirectories(dir);
        boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
        FileAttribute<?>[] attrs = posix && secret ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY)}
                : new FileAttribute<?>[0];
        Path tmp = null;
        try {
            tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp", attrs);
            if (posix && !secret) {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
            }
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ch.write(java.nio.ByteBuffer.wrap(content));
                ch.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
        } catch (IOException e) {
            throw new CairnException(ErrorCode.UNAVAILABLE, "cannot write " + file + ": " + e.getMessage()
                    + "; check that " + dir + " is writable and the disk is not full", e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort: a stray temporary file is harmless
                }
            }
        }
    }

    private static Object readObject(Path file, String what) {
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser parser = new PEMParser(r)) {
            Object o = parser.readObject();
            if (o == null) {
                throw unreadable(file, what, "it holds no PEM block");
            }
            return o;
        } catch (NoSuchFileException e) {
            throw new CairnException(ErrorCode.NOT_FOUND, file + " does not exist; it should hold " + what
                    + " (create the credentials with the cluster CA, or copy them into " + file.getParent() + ")");
        } catch (IOException | RuntimeException e) {
            if (e instanceof CairnException ce) {
                throw ce;
            }
            throw unreadable(file, what, e.getMessage());
        }
    }

    private static CairnException unreadable(Path file, String what, String detail) {
        return new CairnException(ErrorCode.INVALID_ARGUMENT, "cannot read " + file + " as " + what + ": " + detail
                + "; replace it with the right PEM file");
    }

    private static String describe(Object o) {
        return o == null ? "nothing" : o.getClass().getSimpleName();
    }

    private static void createDirectories(Path dir) {
        Objects.requireNonNull(dir, "dir");
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new CairnException(ErrorCode.UNAVAILABLE, "cannot create directory " + dir + ": " + e.getMessage(), e);
        }
    }
}
